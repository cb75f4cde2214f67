-- CreateTable
CREATE TABLE "GrantEntry" (
    "grantId" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "maxMessages" INTEGER,
    "used" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "GrantEntry_pkey" PRIMARY KEY ("grantId","position")
);

-- AddForeignKey
ALTER TABLE "GrantEntry" ADD CONSTRAINT "GrantEntry_grantId_fkey" FOREIGN KEY ("grantId") REFERENCES "Grant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Backfill: one budget per authorization-details entry of every existing grant. A grant made
-- before this migration kept one pooled count, so what each entry spent is unknown: each entry
-- is charged every message already sent under the grant to one of its recipients, capped at
-- its limit. That can only understate what is left, never allow more than the consent screen
-- said for that entry.
INSERT INTO "GrantEntry" ("grantId", "position", "maxMessages", "used")
SELECT g."id", (e.ordinality - 1)::integer, (e.value->>'max_messages')::integer,
  LEAST(COALESCE((e.value->>'max_messages')::integer, 2147483647),
        (SELECT COUNT(*) FROM "Message" m
          WHERE m."grantId" = g."id" AND m."recipient" IN (SELECT jsonb_array_elements_text(e.value->'recipients'))))::integer
FROM "Grant" g CROSS JOIN LATERAL jsonb_array_elements(g."authorizationDetails"::jsonb) WITH ORDINALITY AS e(value, ordinality);
