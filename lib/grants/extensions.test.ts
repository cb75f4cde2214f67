// In-call consent on both databases: an extension request is created from typed fields only,
// decided once by the grant's owner, narrows but never widens, expires, is rate-limited per
// grant, and a denied or expired one leaves the grant exactly as it was.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../db/client";
import { writeTransaction } from "../db/transaction";
import { testDatabases } from "../../tests/harness/databases";
import { testDeps } from "../../tests/harness/test-deps";
import type { MessagingDetail } from "../authorization-details";
import { handleExtensionDecision } from "../consent/extension-decision";
import { loadExtensionPage } from "../consent/extension-view";
import { listPendingRequests } from "../pending/list";
import { createGrant, grantedDetailsOf } from "./create";
import { grantEntryLimits } from "./entries";
import { decideExtension, ExtensionError, requestExtension, type ExtensionLimits } from "./extensions";
import { revokeGrant } from "./revoke";

const ISSUER = "http://localhost:3000";
const GRANTED: MessagingDetail[] = [{ type: "messaging", actions: ["send"], recipients: ["+15550100123"], max_messages: 1 }];
const NEW = "+15550100999";
const LIMITS: ExtensionLimits = { ttlSeconds: 300, pendingPerGrant: 2, perGrantPerHour: 4 };

describe.each(testDatabases())("grant extensions on $name", (target) => {
  let db: Db;
  let owner: string;
  let stranger: string;
  const now = new Date("2026-12-02T10:00:00Z");
  const later = (seconds: number) => new Date(now.getTime() + seconds * 1000);

  beforeAll(async () => {
    db = await target.open();
    owner = (await db.user.create({ data: { email: "owner@example.com", passwordHash: "x" } })).id;
    stranger = (await db.user.create({ data: { email: "stranger@example.com", passwordHash: "x" } })).id;
    await db.client.create({ data: { id: "agent", kind: "dynamic", name: "Agent" } });
  });
  afterAll(() => target.close());

  const makeGrant = () =>
    writeTransaction(db, (tx) =>
      createGrant(tx, { userId: owner, clientId: "agent", resource: "http://localhost:3001/mcp", scope: "messages:send", requestedDetails: GRANTED, grantedDetails: GRANTED, expiresAt: later(4 * 3600), createdVia: "code" }),
    );

  /** Everything a decision could change: the stored details and every entry's budget. */
  const snapshot = async (grantId: string) => {
    const grant = await db.grant.findUniqueOrThrow({ where: { id: grantId } });
    return { details: grantedDetailsOf(grant), limits: await grantEntryLimits(db, grantId), status: grant.status };
  };

  const ask = (grantId: string, recipient = NEW, at = now, limits = LIMITS) => requestExtension(db, { grantId, recipient, maxMessages: 2, reason: "recipient_not_allowed", limits, now: at });

  const pendingId = async (grantId: string, recipient = NEW, at = now) => {
    const outcome = await ask(grantId, recipient, at);
    if (outcome.kind !== "pending") throw new Error(`expected pending, got ${outcome.kind}`);
    return outcome.request;
  };

  const audit = (grantId: string) => db.auditEvent.findMany({ where: { grantId }, orderBy: { seq: "asc" } });

  it("creates a request from typed fields, worded by the server, audited, listed as pending; a retry gets the same one", async () => {
    const grant = await makeGrant();
    const first = await ask(grant.id);
    expect(first).toMatchObject({ kind: "pending", created: true, request: { recipients: [NEW], maxMessages: 2, words: "Send up to 2 messages to +1 555-010-0999" } });
    const again = await ask(grant.id, NEW, later(10));
    expect(again).toMatchObject({ kind: "pending", created: false });
    if (first.kind !== "pending" || again.kind !== "pending") throw new Error("unreachable");
    expect(again.request.id).toBe(first.request.id);
    expect(first.request.expiresAt.toISOString()).toBe(later(300).toISOString());
    const events = await audit(grant.id);
    expect(events.filter((e) => e.type === "grant.extension_requested")).toHaveLength(1);
    expect(JSON.parse(events.at(-1)!.details)).toMatchObject({ extension_id: first.request.id, recipients: [NEW], max_messages: 2 });
    const pending = await listPendingRequests(db, owner, later(10));
    expect(pending.find((p) => p.id === first.request.id)).toMatchObject({ flow: "extension", words: ["Also: Send up to 2 messages to +1 555-010-0999"], reviewUrl: `/consent/extension/${first.request.id}` });
    expect(await listPendingRequests(db, stranger, later(10))).toEqual([]);
  });

  it("approval appends exactly the approved entry and its budget, audited with before and after; it is single-use", async () => {
    const grant = await makeGrant();
    const request = await pendingId(grant.id);
    const before = await snapshot(grant.id);
    await expect(decideExtension(db, { id: request.id, userId: owner, decision: "approve", now: later(20) })).resolves.toEqual({ status: "approved", position: 1, maxMessages: 2 });
    const after = await snapshot(grant.id);
    expect(after.details).toEqual([...before.details, { type: "messaging", actions: ["send"], recipients: [NEW], max_messages: 2 }]);
    expect(after.limits).toEqual([...before.limits!, { entry: 1, recipients: [NEW], max_messages: 2, used: 0, left: 2 }]);
    const extended = (await audit(grant.id)).find((e) => e.type === "grant.extended")!;
    expect(JSON.parse(extended.details)).toMatchObject({ extension_id: request.id, position: 1, max_messages: 2, narrowed: false, before: before.details, after: after.details });
    expect(extended).toMatchObject({ actorType: "user", actorId: owner });
    // Single-use: a second decision of either kind changes nothing.
    for (const decision of ["approve", "deny"] as const) {
      await expect(decideExtension(db, { id: request.id, userId: owner, decision, now: later(21) })).rejects.toMatchObject({ code: "already_decided" });
    }
    expect(await snapshot(grant.id)).toEqual(after);
    expect(await listPendingRequests(db, owner, later(22))).not.toContainEqual(expect.objectContaining({ id: request.id }));
  });

  it("a request racing an approval sees the grant as extended instead of asking again", async () => {
    const grant = await makeGrant();
    const request = await pendingId(grant.id);
    await decideExtension(db, { id: request.id, userId: owner, decision: "approve", now });
    expect(await ask(grant.id, NEW, later(1))).toEqual({ kind: "covered" });
    expect(await db.grantExtensionRequest.count({ where: { grantId: grant.id } })).toBe(1);
  });

  it("the owner may lower the count, never raise it; only the owner decides", async () => {
    const grant = await makeGrant();
    const request = await pendingId(grant.id);
    const before = await snapshot(grant.id);
    await expect(decideExtension(db, { id: request.id, userId: owner, decision: "approve", maxMessages: 3, now })).rejects.toMatchObject({ code: "invalid_max_messages" });
    await expect(decideExtension(db, { id: request.id, userId: owner, decision: "approve", maxMessages: 0, now })).rejects.toMatchObject({ code: "invalid_max_messages" });
    await expect(decideExtension(db, { id: request.id, userId: stranger, decision: "approve", now })).rejects.toMatchObject({ status: 403 });
    expect(await snapshot(grant.id)).toEqual(before);
    await decideExtension(db, { id: request.id, userId: owner, decision: "approve", maxMessages: 1, now });
    expect((await snapshot(grant.id)).details.at(-1)).toEqual({ type: "messaging", actions: ["send"], recipients: [NEW], max_messages: 1 });
    const extended = (await audit(grant.id)).find((e) => e.type === "grant.extended")!;
    expect(JSON.parse(extended.details)).toMatchObject({ asked_max_messages: 2, max_messages: 1, narrowed: true });
  });

  it("a denied extension changes nothing, is audited, and is not asked again within the hour", async () => {
    const grant = await makeGrant();
    const request = await pendingId(grant.id);
    const before = await snapshot(grant.id);
    await expect(decideExtension(db, { id: request.id, userId: owner, decision: "deny", now: later(5) })).resolves.toEqual({ status: "denied" });
    expect(await snapshot(grant.id)).toEqual(before);
    expect((await audit(grant.id)).map((e) => e.type)).toContain("grant.extension_denied");
    expect(await ask(grant.id, NEW, later(60))).toEqual({ kind: "denied", requestId: request.id });
    expect(await ask(grant.id, NEW, later(3700))).toMatchObject({ kind: "pending", created: true });
  });

  it("an expired extension changes nothing and cannot be decided; the agent may ask again", async () => {
    const grant = await makeGrant();
    const request = await pendingId(grant.id);
    const before = await snapshot(grant.id);
    for (const decision of ["approve", "deny"] as const) {
      await expect(decideExtension(db, { id: request.id, userId: owner, decision, now: later(300) })).rejects.toMatchObject({ code: "expired" });
    }
    expect(await snapshot(grant.id)).toEqual(before);
    expect(await listPendingRequests(db, owner, later(300))).not.toContainEqual(expect.objectContaining({ id: request.id }));
    const fresh = await ask(grant.id, NEW, later(301));
    expect(fresh).toMatchObject({ kind: "pending", created: true });
    if (fresh.kind === "pending") expect(fresh.request.id).not.toBe(request.id);
  });

  it("is rate-limited per grant: pending at once, and per hour", async () => {
    const grant = await makeGrant();
    await pendingId(grant.id, "+15550100901");
    await pendingId(grant.id, "+15550100902");
    expect(await ask(grant.id, "+15550100903")).toEqual({ kind: "refused", why: "rate_limited" });
    // Once they lapse, two more fit in the hour (4), then no more until it has passed.
    await pendingId(grant.id, "+15550100903", later(400));
    await pendingId(grant.id, "+15550100904", later(400));
    expect(await ask(grant.id, "+15550100905", later(800))).toEqual({ kind: "refused", why: "rate_limited" });
    expect(await ask(grant.id, "+15550100905", later(3700))).toMatchObject({ kind: "pending", created: true });
  });

  it("concurrent requests cannot pass the pending limit together", async () => {
    const grant = await makeGrant();
    const one: ExtensionLimits = { ...LIMITS, pendingPerGrant: 1 };
    const outcomes = await Promise.all(["+15550100911", "+15550100912", "+15550100913", "+15550100914"].map((r) => ask(grant.id, r, now, one)));
    expect(outcomes.filter((o) => o.kind === "pending")).toHaveLength(1);
    expect(await db.grantExtensionRequest.count({ where: { grantId: grant.id } })).toBe(1);
  });

  it("a revoked grant is neither extended nor asked about", async () => {
    const grant = await makeGrant();
    const request = await pendingId(grant.id);
    await writeTransaction(db, (tx) => revokeGrant(tx, grant.id, "test", { type: "user", id: owner }, now));
    await expect(decideExtension(db, { id: request.id, userId: owner, decision: "approve", now })).rejects.toBeInstanceOf(ExtensionError);
    expect((await snapshot(grant.id)).details).toEqual(GRANTED);
    expect(await ask(grant.id, "+15550100921")).toEqual({ kind: "refused", why: "not_extendable" });
  });

  it("the decision endpoint is CSRF-protected like every consent decision (Origin, single-use page token, owner)", async () => {
    const grant = await makeGrant();
    const request = await pendingId(grant.id);
    const deps = testDeps(db, { issuerUrl: ISSUER }, later(1));
    const before = await snapshot(grant.id);
    const post = (body: Record<string, string>, origin: string | null = ISSUER, userId: string | null = owner) =>
      handleExtensionDecision(
        new Request(`${ISSUER}/consent/extension/${request.id}/decision`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded", ...(origin ? { origin } : {}) },
          body: new URLSearchParams(body),
        }),
        deps,
        { id: request.id, userId },
      );
    const page = await loadExtensionPage(deps, request.id, owner);
    if (page.kind !== "show") throw new Error(`expected the page, got ${page.kind}`);
    expect(page.view).toMatchObject({ words: "Send up to 2 messages to +1 555-010-0999", reason: "recipient_not_allowed", current: ["Send up to 1 message to +1 555-010-0123 (1 message left)"] });
    expect(await loadExtensionPage(deps, request.id, stranger)).toEqual({ kind: "forbidden" });
    const token = page.view.consentToken;
    expect((await post({ decision: "approve", consent_token: token }, "https://evil.example")).status).toBe(403);
    expect((await post({ decision: "approve", consent_token: "forged" })).status).toBe(403);
    expect((await post({ decision: "approve", consent_token: token }, ISSUER, null)).status).toBe(403);
    expect((await post({ decision: "approve", consent_token: token }, ISSUER, stranger)).status).toBe(403);
    expect((await post({ decision: "maybe", consent_token: token })).status).toBe(400);
    const narrowed = await post({ decision: "approve", consent_token: token, max_messages: "9" });
    expect(narrowed.headers.get("location")).toContain("?error=max_messages");
    expect(await snapshot(grant.id)).toEqual(before);
    const approved = await post({ decision: "approve", consent_token: token, max_messages: "1" });
    expect(approved.status).toBe(303);
    expect((await snapshot(grant.id)).details).toHaveLength(2);
    // The page's token was single-use: replaying the form is refused.
    expect((await post({ decision: "approve", consent_token: token })).status).toBe(403);
    expect(await loadExtensionPage(deps, request.id, owner)).toEqual({ kind: "finished", status: "approved", grantedMessages: 1 });
  });
});
