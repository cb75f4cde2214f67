import { createHash, randomBytes } from "node:crypto";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../db/client";
import { writeTransaction } from "../db";
import { testDatabases } from "../../tests/harness/databases";
import { testDeps, type TestDeps } from "../../tests/harness/test-deps";
import { insertClient } from "../oauth/clients/create";
import { validateClientMetadata } from "../oauth/clients/validate-metadata";
import { handleAuthorize } from "../oauth/authorize/handle";
import { grantEntryLimits } from "../grants/entries";
import { decideRequest } from "./decide";
import { handleConsentDecision } from "./post-handler";
import { loadConsentPage, type ConsentView } from "./view-model";
import { handleToken, tokenEndpointUrl } from "../oauth/token/handle";
import { MAX_MESSAGES_PER_DETAIL, MAX_RECIPIENTS } from "../authorization-details";

const ISSUER = "http://localhost:3000";
const CB = "https://app.example/cb";
const A = "+15550100123";
const B = "+15550100124";

describe.each(testDatabases())("consent on $name", (target) => {
  let db: Db;
  let deps: TestDeps;
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    db = await target.open();
    deps = testDeps(db, { issuerUrl: ISSUER });
    alice = (await db.user.create({ data: { email: "alice@example.com", passwordHash: "x" } })).id;
    bob = (await db.user.create({ data: { email: "bob@example.com", passwordHash: "x" } })).id;
    const metadata = validateClientMetadata({ redirect_uris: [CB], token_endpoint_auth_method: "none", client_name: '<img src=x onerror=alert(1)> "Agent"' });
    await writeTransaction(db, (tx) => insertClient(tx, { id: "agent", kind: "dynamic", metadata, createdAt: deps.now() }, { type: "agent" }));
  });
  afterAll(() => target.close());

  let lastVerifier = "";
  async function authorize(extra: Record<string, string> = {}): Promise<string> {
    const verifier = randomBytes(32).toString("base64url");
    lastVerifier = verifier;
    const q = new URLSearchParams({
      client_id: "agent",
      redirect_uri: CB,
      response_type: "code",
      code_challenge: createHash("sha256").update(verifier).digest("base64url"),
      code_challenge_method: "S256",
      state: "st-1",
      resource: deps.config.mcpResourceUrl,
      authorization_details: JSON.stringify([{ type: "messaging", recipients: [A, B], max_messages: 3 }]),
      requested_expiry: "7200",
      ...extra,
    });
    const res = await handleAuthorize(new Request(`${ISSUER}/oauth/authorize?${q}`), deps);
    return decodeURIComponent(new URL(res.headers.get("location")!).pathname.split("/")[2]!);
  }

  async function show(requestId: string, userId = alice): Promise<ConsentView> {
    const state = await loadConsentPage(deps, requestId, userId);
    if (state.kind !== "show") throw new Error(`expected the form, got ${state.kind}`);
    return state.view;
  }

  function post(requestId: string, userId: string | null, form: Record<string, string | string[]>, headers: Record<string, string> = { origin: ISSUER }) {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(form)) for (const value of [v].flat()) body.append(k, value);
    const req = new Request(`${ISSUER}/consent/${requestId}/decision`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", ...headers }, body });
    return handleConsentDecision(req, deps, { requestId, userId });
  }
  const approveAll = (token: string) => ({ consent_token: token, decision: "approve", recipients_0: [A, B], max_messages_0: "3" });
  const grantsFor = (requestId: string) => db.grant.findMany({ where: { requestId } });
  const grantOf = (requestId: string) => db.grant.findFirstOrThrow({ where: { requestId } });
  /** The issuer's own 400/403 page: unframeable, no referrer, never a redirect (checklist 19, 20). */
  function expectSecurePage(res: Response, status: number) {
    expect(res.status).toBe(status);
    expect(res.headers.get("location")).toBeNull();
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
  }

  it("shows who asks and what, in words, and binds the request to the viewer; client text is kept raw for React to escape (checklist 26)", async () => {
    const id = await authorize();
    const view = await show(id);
    expect(view.client).toMatchObject({ name: '<img src=x onerror=alert(1)> "Agent"', newlyRegistered: true, verified: false });
    expect(view.redirectHost).toBe("app.example");
    expect(view.details[0]?.words).toBe("Send up to 3 messages to +1 555-010-0123 and +1 555-010-0124");
    expect(view.scopes.map((s) => s.value)).toEqual(["messages:send"]);
    expect(view.lifetime.proposedSeconds).toBe(7200);
    expect((await db.authorizationRequest.findUniqueOrThrow({ where: { id } })).userId).toBe(alice);
    expect(await loadConsentPage(deps, id, bob)).toMatchObject({ kind: "forbidden" });
    expect(await db.auditEvent.count({ where: { type: "consent.shown", actorId: alice } })).toBe(1);
  });

  it("approves: 303 to the redirect URI with code, state and iss; the code is stored hashed (checklist 18)", async () => {
    const id = await authorize();
    const view = await show(id);
    const res = await post(id, alice, approveAll(view.consentToken));
    expect(res.status).toBe(303);
    // checklist 20: the redirect carrying the code leaks no referrer
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    const loc = new URL(res.headers.get("location")!);
    expect(`${loc.origin}${loc.pathname}`).toBe(CB);
    expect(loc.searchParams.get("state")).toBe("st-1");
    expect(loc.searchParams.get("iss")).toBe(ISSUER);
    const code = loc.searchParams.get("code")!;
    const stored = await db.authorizationCode.findUniqueOrThrow({ where: { codeHash: createHash("sha256").update(code).digest("hex") } });
    expect(stored).toMatchObject({ clientId: "agent", redirectUri: CB, requestId: id });
    expect(JSON.stringify(await db.auditEvent.findMany())).not.toContain(code);
    const grant = await grantOf(id);
    expect(grant).toMatchObject({ userId: alice, clientId: "agent", createdVia: "code" });
    expect(await grantEntryLimits(db, grant.id)).toMatchObject([{ max_messages: 3, used: 0, left: 3 }]);
    expect(grant.expiresAt.getTime() - deps.now().getTime()).toBe(7200_000);
    expect(await db.auditEvent.count({ where: { type: "code.issued", grantId: grant.id } })).toBe(1);
  });

  it("checklist 21: a cross-site Origin or a bad consent token -> 403 and no grant", async () => {
    const id = await authorize();
    const view = await show(id);
    expect((await post(id, alice, approveAll(view.consentToken), { origin: "https://evil.example" })).status).toBe(403);
    expect((await post(id, alice, approveAll(view.consentToken), {})).status).toBe(403);
    expect((await post(id, alice, approveAll("forged"))).status).toBe(403);
    expect(await grantsFor(id)).toHaveLength(0);
    expect((await post(id, alice, approveAll(view.consentToken), { origin: "null", "sec-fetch-site": "cross-site" })).status).toBe(403);
    expect((await post(id, alice, approveAll(view.consentToken), { origin: "null" })).status).toBe(403);
    // Same-origin without a usable Origin header is accepted when the browser says so (Fetch Metadata).
    expect((await post(id, alice, approveAll(view.consentToken), { origin: "null", "sec-fetch-site": "same-origin" })).status).toBe(303);
  });

  it("checklist 22: a decision by anyone but the resource owner -> 403", async () => {
    const id = await authorize();
    const view = await show(id);
    expect((await post(id, bob, approveAll(view.consentToken))).status).toBe(403);
    expect((await post(id, null, approveAll(view.consentToken))).status).toBe(403);
    await expect(decideRequest(deps, { requestId: id, userId: bob, decision: "approve" })).rejects.toMatchObject({ status: 403 });
    expect(await grantsFor(id)).toHaveLength(0);
  });

  it("checklist 23: a decision is single-use and expires -> 400", async () => {
    const id = await authorize();
    const view = await show(id);
    expect((await post(id, alice, approveAll(view.consentToken))).status).toBe(303);
    expect((await post(id, alice, approveAll(view.consentToken))).status).toBe(400);
    expect(await grantsFor(id)).toHaveLength(1);
    const late = await authorize();
    const lateView = await show(late);
    deps.advance(601);
    expect((await post(late, alice, approveAll(lateView.consentToken))).status).toBe(400);
    expect(await grantsFor(late)).toHaveLength(0);
  });

  it("checklist 21: a missing, stale or another request's consent token, or a look-alike Origin -> 403 and no grant", async () => {
    const id = await authorize();
    const first = await show(id);
    const other = await authorize();
    const otherView = await show(other);
    // Every page view replaces the token: the first one is stale now.
    const current = await show(id);
    const { consent_token: _dropped, ...withoutToken } = approveAll(current.consentToken);
    void _dropped;
    expectSecurePage(await post(id, alice, withoutToken), 403);
    expectSecurePage(await post(id, alice, approveAll(first.consentToken)), 403);
    expectSecurePage(await post(id, alice, approveAll(otherView.consentToken)), 403);
    expectSecurePage(await post(id, alice, approveAll("")), 403);
    for (const origin of ["http://localhost:3000.evil.example", "https://localhost:3000", "http://localhost:3001", "http://127.0.0.1:3000"]) {
      expectSecurePage(await post(id, alice, approveAll(current.consentToken), { origin }), 403);
    }
    expectSecurePage(await post(id, alice, approveAll(current.consentToken), { "sec-fetch-site": "same-site" }), 403);
    expect(await grantsFor(id)).toHaveLength(0);
    expect(await grantsFor(other)).toHaveLength(0);
    expect((await db.authorizationRequest.findUniqueOrThrow({ where: { id } })).status).toBe("pending");
    // The current token, from our own origin, still works: the refusals consumed nothing.
    expect((await post(id, alice, approveAll(current.consentToken))).status).toBe(303);
  });

  it("checklist 19, 20: the decision endpoint's own error pages are unframeable and send no referrer", async () => {
    const id = await authorize();
    const view = await show(id);
    expectSecurePage(await post(id, alice, approveAll(view.consentToken), { origin: "https://evil.example" }), 403);
    expectSecurePage(await post(id, bob, approveAll(view.consentToken)), 403);
    expectSecurePage(await post(id, null, approveAll(view.consentToken)), 403);
    expect((await post(id, alice, approveAll(view.consentToken))).headers.get("referrer-policy")).toBe("no-referrer");
    expectSecurePage(await post(id, alice, approveAll(view.consentToken)), 400);
    expectSecurePage(await post("no-such-request", alice, approveAll(view.consentToken)), 404);
  });

  it("checklist 23: a denied request cannot be approved afterwards, nor an approved one denied; an expired one cannot be denied", async () => {
    const denied = await authorize();
    const deniedView = await show(denied);
    expect((await post(denied, alice, { consent_token: deniedView.consentToken, decision: "deny" })).status).toBe(303);
    expect((await post(denied, alice, approveAll(deniedView.consentToken))).status).toBe(400);
    await expect(decideRequest(deps, { requestId: denied, userId: alice, decision: "approve" })).rejects.toMatchObject({ status: 400 });
    expect(await grantsFor(denied)).toHaveLength(0);

    const approved = await authorize();
    const approvedView = await show(approved);
    expect((await post(approved, alice, approveAll(approvedView.consentToken))).status).toBe(303);
    expect((await post(approved, alice, { consent_token: approvedView.consentToken, decision: "deny" })).status).toBe(400);
    expect((await db.authorizationRequest.findUniqueOrThrow({ where: { id: approved } })).status).toBe("approved");
    // A page view after the decision hands out no new token to decide with.
    expect(await loadConsentPage(deps, approved, alice)).toMatchObject({ kind: "finished" });

    const late = await authorize();
    const lateView = await show(late);
    deps.advance(601);
    expect((await post(late, alice, { consent_token: lateView.consentToken, decision: "deny" })).status).toBe(400);
    expect((await db.authorizationRequest.findUniqueOrThrow({ where: { id: late } })).status).not.toBe("denied");
  });

  it("checklist 24: after consent, the token request cannot widen what was granted (scope, details, resource)", async () => {
    const id = await authorize({ scope: "messages:send" });
    const verifier = lastVerifier;
    const view = await show(id);
    const res = await post(id, alice, { consent_token: view.consentToken, decision: "approve", recipients_0: [A], max_messages_0: "1" });
    const code = new URL(res.headers.get("location")!).searchParams.get("code")!;
    const redeem = (extra: Record<string, string>) =>
      handleToken(
        new Request(tokenEndpointUrl(deps), {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ grant_type: "authorization_code", code, code_verifier: verifier, redirect_uri: CB, client_id: "agent", ...extra }),
        }),
        deps,
      );
    // Another resource than the one consented to is refused, and does not burn the code.
    const otherResource = await redeem({ resource: deps.config.messagingResourceUrl });
    expect(otherResource.status).toBe(400);
    expect((await otherResource.json()).error).toBe("invalid_target");
    // Asking for more scope and details at the token endpoint changes nothing: the token carries the grant.
    const wider = await redeem({
      scope: "messages:send messages:read",
      authorization_details: JSON.stringify([{ type: "messaging", recipients: [A, B, "+15550100199"], max_messages: 100 }]),
    });
    expect(wider.status).toBe(200);
    const body = await wider.json();
    const granted = [{ type: "messaging", actions: ["send"], recipients: [A], max_messages: 1 }];
    expect(body.authorization_details).toEqual(granted);
    expect(body.scope).toBe("messages:send");
    const claims = decodeJwt(String(body.access_token));
    expect(claims).toMatchObject({ scope: "messages:send", aud: deps.config.mcpResourceUrl, authorization_details: granted });
    const grant = await grantOf(id);
    expect(JSON.parse(grant.authorizationDetails)).toEqual(granted);
    expect(await grantEntryLimits(db, grant.id)).toMatchObject([{ max_messages: 1, left: 1 }]);
  });

  it("checklist 17: the code redirect and the denial carry iss and a 2,000-character state unchanged", async () => {
    const state = "s-" + "é&=?/+ %".repeat(249) + "#;:,~*";
    expect(state.length).toBe(2000);
    const approved = await authorize({ state });
    const approvedLoc = new URL((await post(approved, alice, approveAll((await show(approved)).consentToken))).headers.get("location")!);
    expect(`${approvedLoc.origin}${approvedLoc.pathname}`).toBe(CB);
    expect(approvedLoc.searchParams.get("state")).toBe(state);
    expect(approvedLoc.searchParams.get("iss")).toBe(ISSUER);
    expect(approvedLoc.searchParams.get("code")).toBeTruthy();
    const denied = await authorize({ state });
    const deniedLoc = new URL((await post(denied, alice, { consent_token: (await show(denied)).consentToken, decision: "deny" })).headers.get("location")!);
    expect(Object.fromEntries(deniedLoc.searchParams)).toMatchObject({ error: "access_denied", state, iss: ISSUER });
  });

  it("checklist 26: recipients are phone numbers only, so no markup can reach the page", async () => {
    const rejected = await handleAuthorize(
      new Request(
        `${ISSUER}/oauth/authorize?${new URLSearchParams({
          client_id: "agent",
          redirect_uri: CB,
          response_type: "code",
          code_challenge: createHash("sha256").update("v".repeat(43)).digest("base64url"),
          code_challenge_method: "S256",
          state: "st-1",
          resource: deps.config.mcpResourceUrl,
          authorization_details: JSON.stringify([{ type: "messaging", recipients: ["<img src=x onerror=alert(1)>"] }]),
        })}`,
      ),
      deps,
    );
    // A self-registered client's error is shown on the issuer's page (checklist 151), the markup escaped.
    expect(rejected.status).toBe(400);
    const html = await rejected.text();
    expect(html).toContain('Error code: <code data-testid="error-code">invalid_authorization_details</code>');
    expect(html).not.toContain("<img src=x");
    const open = await authorize({ authorization_details: "", scope: "messages:send" });
    const view = await show(open);
    const typed = await post(open, alice, { consent_token: view.consentToken, decision: "approve", recipients_0: "<script>alert(1)</script>", max_messages_0: "1" });
    expect(typed.headers.get("location")).toBe(`${ISSUER}/consent/${open}?error=recipients`);
    expect(await grantsFor(open)).toHaveLength(0);
  });

  it("decides exactly once under concurrent posts", async () => {
    const id = await authorize();
    const view = await show(id);
    const results = await Promise.all([1, 2, 3].map(() => post(id, alice, approveAll(view.consentToken))));
    expect(results.map((r) => r.status).sort()).toEqual([303, 400, 400]);
    expect(await grantsFor(id)).toHaveLength(1);
    expect(await db.authorizationCode.count({ where: { requestId: id } })).toBe(1);
  });

  it("narrows: drop a recipient, lower the limit, shorten the duration; records asked and granted", async () => {
    const id = await authorize();
    const view = await show(id);
    const res = await post(id, alice, { consent_token: view.consentToken, decision: "approve", recipients_0: [B], max_messages_0: "1", duration: "3600" });
    expect(res.status).toBe(303);
    const grant = await grantOf(id);
    expect(JSON.parse(grant.authorizationDetails)).toEqual([{ type: "messaging", actions: ["send"], recipients: [B], max_messages: 1 }]);
    expect(JSON.parse(grant.requestedAuthorizationDetails)).toEqual([{ type: "messaging", actions: ["send"], recipients: [A, B], max_messages: 3 }]);
    expect(await grantEntryLimits(db, grant.id)).toMatchObject([{ recipients: [B], max_messages: 1, left: 1 }]);
    expect(grant.expiresAt.getTime() - deps.now().getTime()).toBe(3600_000);
    const narrowed = await db.auditEvent.findFirstOrThrow({ where: { type: "consent.narrowed", grantId: grant.id } });
    expect(JSON.parse(narrowed.details)).toMatchObject({ granted_seconds: 3600, requested_seconds: 7200 });
  });

  it.each([
    ["an added recipient", { recipients_0: [A, B, "+15550100199"], max_messages_0: "3" }, "recipients"],
    ["no recipient", { max_messages_0: "3" }, "recipients"],
    ["a raised limit", { recipients_0: [A], max_messages_0: "4" }, "max_messages"],
    ["a longer duration", { recipients_0: [A], max_messages_0: "3", duration: "7201" }, "duration"],
    ["a junk number", { recipients_0: ["call me"], max_messages_0: "3" }, "recipients"],
  ])("checklist 24: refuses to widen (%s): back to the page, nothing granted", async (_what, edit, code) => {
    const id = await authorize();
    const view = await show(id);
    const res = await post(id, alice, { consent_token: view.consentToken, decision: "approve", ...edit });
    expect(res.status).toBe(303);
    // checklist 18: sent back to the page with a 303 too
    expect(res.headers.get("location")).toBe(`${ISSUER}/consent/${id}?error=${code}`);
    expect(await grantsFor(id)).toHaveLength(0);
    expect((await db.authorizationRequest.findUniqueOrThrow({ where: { id } })).status).toBe("pending");
  });

  it("makes the user enter recipients for a messages:send request that named none", async () => {
    const id = await authorize({ authorization_details: "", scope: "messages:send" });
    const view = await show(id);
    expect(view.details[0]).toMatchObject({ open: true, words: "Send messages to recipients you choose" });
    const none = await post(id, alice, { consent_token: view.consentToken, decision: "approve" });
    expect(none.headers.get("location")).toMatch(/error=recipients$/);
    const again = await show(id);
    const ok = await post(id, alice, { consent_token: again.consentToken, decision: "approve", recipients_0: "+1 555 010 0123\n+1 (555) 010-0124", max_messages_0: "2" });
    expect(ok.status).toBe(303);
    const grant = await grantOf(id);
    expect(JSON.parse(grant.authorizationDetails)).toEqual([{ type: "messaging", actions: ["send"], recipients: [A, B], max_messages: 2 }]);
  });

  it("checklist 157: more recipients or a larger limit than a grant may hold is sent back to the page to correct (303), never a 500", async () => {
    const numbers = (n: number) => Array.from({ length: n }, (_, i) => `+155501001${String(i).padStart(2, "0")}`);
    const id = await authorize({ authorization_details: "", scope: "messages:send" });
    const tries: [Record<string, string>, string][] = [
      [{ recipients_0: numbers(MAX_RECIPIENTS + 1).join("\n"), max_messages_0: "3" }, "recipients"],
      [{ recipients_0: numbers(3).join("\n"), max_messages_0: String(MAX_MESSAGES_PER_DETAIL + 1) }, "max_messages"],
      [{ recipients_0: numbers(3).join("\n"), max_messages_0: "999999999" }, "max_messages"],
    ];
    for (const [edit, code] of tries) {
      const view = await show(id);
      const res = await post(id, alice, { consent_token: view.consentToken, decision: "approve", ...edit });
      expect(res.status, JSON.stringify(edit).slice(0, 80)).toBe(303);
      expect(res.headers.get("location")).toBe(`${ISSUER}/consent/${id}?error=${code}`);
      expect(await grantsFor(id)).toHaveLength(0);
      expect((await db.authorizationRequest.findUniqueOrThrow({ where: { id } })).status).toBe("pending");
    }
    // Exactly at the limits (the same constants the form renders), the approval goes through;
    // a number written twice in two ways counts once.
    const view = await show(id);
    const atLimit = [...numbers(MAX_RECIPIENTS), "+1 555 010 0100"].join(",");
    const ok = await post(id, alice, { consent_token: view.consentToken, decision: "approve", recipients_0: atLimit, max_messages_0: String(MAX_MESSAGES_PER_DETAIL) });
    expect(ok.status).toBe(303);
    expect(new URL(ok.headers.get("location")!).searchParams.get("code")).toBeTruthy();
    const grant = await grantOf(id);
    expect(JSON.parse(grant.authorizationDetails)[0]).toMatchObject({ recipients: numbers(MAX_RECIPIENTS), max_messages: MAX_MESSAGES_PER_DETAIL });
  });

  it("checklist 25: deny -> access_denied with state and iss, and no grant", async () => {
    const id = await authorize();
    const view = await show(id);
    const res = await post(id, alice, { consent_token: view.consentToken, decision: "deny" });
    const loc = new URL(res.headers.get("location")!);
    // checklist 18: the denial is a 303 too
    expect(res.status).toBe(303);
    expect(`${loc.origin}${loc.pathname}`).toBe(CB);
    expect(Object.fromEntries(loc.searchParams)).toMatchObject({ error: "access_denied", state: "st-1", iss: ISSUER });
    expect(await grantsFor(id)).toHaveLength(0);
    expect((await db.authorizationRequest.findUniqueOrThrow({ where: { id } })).status).toBe("denied");
    expect(await db.auditEvent.count({ where: { type: "consent.denied" } })).toBeGreaterThan(0);
  });

  it("decides CIBA requests for the named user only, and marks them approved with the grant", async () => {
    const row = await db.authorizationRequest.create({
      data: {
        flow: "ciba",
        clientId: "agent",
        userId: alice,
        resource: deps.config.mcpResourceUrl,
        scope: "messages:send",
        authorizationDetails: JSON.stringify([{ type: "messaging", actions: ["send"], recipients: [A] }]),
        bindingMessage: "<b>code 42</b>",
        expiresAt: new Date(deps.now().getTime() + 300_000),
      },
    });
    expect(await loadConsentPage(deps, row.id, bob)).toMatchObject({ kind: "forbidden" });
    const view = await show(row.id);
    expect(view).toMatchObject({ bindingMessage: "<b>code 42</b>", redirectHost: null, flow: "ciba" });
    const res = await post(row.id, alice, { consent_token: view.consentToken, decision: "approve", recipients_0: A });
    expect(res.headers.get("location")).toBe(`${ISSUER}/consent/${row.id}`);
    const after = await db.authorizationRequest.findUniqueOrThrow({ where: { id: row.id } });
    expect(after.status).toBe("approved");
    expect(after.grantId).toEqual(expect.any(String));
    expect(await loadConsentPage(deps, row.id, alice)).toEqual({ kind: "finished", status: "approved", flow: "ciba" });
  });

  it("grants nothing to a client revoked while the user was deciding", async () => {
    const id = await authorize();
    const view = await show(id);
    await db.client.update({ where: { id: "agent" }, data: { revokedAt: deps.now() } });
    try {
      expect((await post(id, alice, approveAll(view.consentToken))).status).toBe(400);
      expect(await grantsFor(id)).toHaveLength(0);
    } finally {
      await db.client.update({ where: { id: "agent" }, data: { revokedAt: null } });
    }
  });

  it("asks the device flow's user to enter the code first", async () => {
    const row = await db.authorizationRequest.create({
      data: { flow: "device", clientId: "agent", resource: deps.config.mcpResourceUrl, scope: "messages:read", expiresAt: new Date(deps.now().getTime() + 300_000) },
    });
    expect(await loadConsentPage(deps, row.id, alice)).toEqual({ kind: "unclaimed" });
  });
});
