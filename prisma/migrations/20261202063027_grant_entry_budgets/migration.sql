-- CreateTable
CREATE TABLE "GrantEntry" (
    "grantId" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "maxMessages" INTEGER,
    "used" INTEGER NOT NULL DEFAULT 0,

    PRIMARY KEY ("grantId", "position"),
    CONSTRAINT "GrantEntry_grantId_fkey" FOREIGN KEY ("grantId") REFERENCES "Grant" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- Backfill: one budget per authorization-details entry of every existing grant. A grant made
-- before this migration kept one pooled count, so what each entry spent is unknown: each entry
-- is charged every message already sent under the grant to one of its recipients, capped at
-- its limit. That can only understate what is left, never allow more than the consent screen
-- said for that entry.
INSERT INTO "GrantEntry" ("grantId", "position", "maxMessages", "used")
SELECT g."id", CAST(e."key" AS INTEGER), json_extract(e."value", '$.max_messages'),
  (SELECT CASE WHEN json_extract(e."value", '$.max_messages') IS NULL THEN sent.n ELSE min(sent.n, json_extract(e."value", '$.max_messages')) END
     FROM (SELECT COUNT(*) AS n FROM "Message" m
            WHERE m."grantId" = g."id" AND m."recipient" IN (SELECT r."value" FROM json_each(e."value", '$.recipients') r)) AS sent)
FROM "Grant" g, json_each(g."authorizationDetails") e;
