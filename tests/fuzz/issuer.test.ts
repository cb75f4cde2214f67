// Fuzzing every endpoint of the issuer (the web app's route handlers, called as the app calls
// them, with real `Request`s) with malformed and hostile requests: random parameter sets, wrong
// types, repeated parameters, huge values, NUL and unpaired surrogates, broken bodies, bad
// Authorization and DPoP headers. Every answer must be the endpoint's normal 4xx (or a
// success), never a 5xx, and never show a stack trace or SQL. FUZZ_RUNS=n runs n times longer.
import { createTokenLimits } from "@/lib/oauth/token/limits";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../lib/db/client";
import { handleConsentDecision } from "../../lib/consent/post-handler";
import { handleGrantStatus } from "../../lib/oauth/grant-status-endpoint";
import { handleAuthorize } from "../../lib/oauth/authorize/handle";
import { handlePar } from "../../lib/oauth/authorize/par";
import { handleBackchannel } from "../../lib/oauth/ciba/backchannel";
import { handleRegister } from "../../lib/oauth/clients/register";
import { handleDeviceAuthorization } from "../../lib/oauth/device/authorization";
import { handleIntrospection } from "../../lib/oauth/introspection";
import { handleJwks, handleMetadata } from "../../lib/oauth/metadata-handler";
import { handleRevocation } from "../../lib/oauth/revocation";
import { GRANT_TYPES } from "../../lib/oauth/supported";
import { handleToken } from "../../lib/oauth/token/handle";
import { makeClient, REDIRECT_URI } from "../../lib/oauth/token/test-fixtures";
import { testDatabases } from "../harness/databases";
import { testDeps, type TestDeps } from "../harness/test-deps";
import { buildRequest, expectSafeAnswer, requestSpec, runs, valueFrom } from "./hostile";

const CLIENT_AUTH = ["client_id", "client_secret", "client_assertion_type", "client_assertion"];
const REQUEST = ["scope", "resource", "authorization_details", "requested_expiry"];
const AUTHORIZE = [...CLIENT_AUTH, ...REQUEST, "response_type", "redirect_uri", "code_challenge", "code_challenge_method", "state", "request_uri", "dpop_jkt", "prompt", "nonce"];
const TOKEN = [
  ...CLIENT_AUTH,
  ...REQUEST,
  "grant_type",
  "code",
  "code_verifier",
  "redirect_uri",
  "refresh_token",
  "subject_token",
  "subject_token_type",
  "actor_token",
  "actor_token_type",
  "requested_token_type",
  "audience",
  "auth_req_id",
  "device_code",
];
const REVOKE = [...CLIENT_AUTH, "token", "token_type_hint"];
const BACKCHANNEL = [...CLIENT_AUTH, ...REQUEST, "login_hint", "binding_message", "login_hint_token", "id_token_hint", "user_code", "client_notification_token"];
const DEVICE = [...CLIENT_AUTH, ...REQUEST];
const METADATA_FIELDS = [
  "redirect_uris",
  "client_name",
  "grant_types",
  "response_types",
  "token_endpoint_auth_method",
  "scope",
  "jwks",
  "jwks_uri",
  "client_uri",
  "logo_uri",
  "contacts",
  "software_id",
  "software_statement",
  "dpop_bound_access_tokens",
  "authorization_details_types",
];

describe.each(testDatabases())("fuzzing the issuer's endpoints on $name", (target) => {
  let db: Db;
  let deps: TestDeps;
  let sent = 0;
  const good: string[] = [];
  const clientIds: string[] = [];
  const secrets: string[] = [];
  let confidential = { id: "", secret: "" };
  let userId = "";

  beforeAll(async () => {
    db = await target.open();
    deps = testDeps(db, { registrationsPerAddressPerHour: 1_000_000, cibaPromptsPerUserPerHour: 1_000_000 });
    const pub = await makeClient(db, { grantTypes: [GRANT_TYPES.authorizationCode, GRANT_TYPES.refreshToken, GRANT_TYPES.deviceCode], scope: "messages:send messages:read" });
    const secret = "fuzz-secret-fuzz-secret-fuzz-secret-0123";
    const conf = await makeClient(db, {
      secret,
      grantTypes: [GRANT_TYPES.clientCredentials, GRANT_TYPES.ciba, GRANT_TYPES.tokenExchange, GRANT_TYPES.authorizationCode, GRANT_TYPES.refreshToken],
    });
    // CIBA answers only for clients an administrator enabled (docs/ciba.md); fuzz the enabled path.
    await db.client.update({ where: { id: conf.id }, data: { cibaEnabled: true } });
    confidential = { id: conf.id, secret };
    const user = await db.user.create({ data: { email: "fuzz@example.com", passwordHash: "x" } });
    userId = user.id;
    clientIds.push(pub.id, conf.id, deps.config.mcpClientId);
    secrets.push(secret);
    good.push(pub.id, conf.id, secret, REDIRECT_URI, "fuzz@example.com", deps.config.mcpResourceUrl, deps.config.messagingResourceUrl);
  });
  afterAll(async () => {
    console.info(`fuzz (${target.name}): ${sent} requests to the issuer's endpoints`);
    await target.close();
  });

  const issuer = () => deps.config.issuerUrl;
  // The token endpoint's abuse budgets are tested in lib/oauth/token/limits.test.ts; here they
  // would only turn fuzzed requests into 429s.
  const unlimited = () => ({
    limits: createTokenLimits({ ...deps.config.limits, tokenRequestsPerClientPerMinute: 1e9, tokenAuthFailuresPerAddressPerMinute: 1e9, tokenAuthFailuresPerClientAndAddressPerMinute: 1e9 }),
  });
  let tokenOptions: ReturnType<typeof unlimited>;

  interface Endpoint {
    name: string;
    path: string;
    methods: string[];
    names: string[];
    query?: boolean;
    json?: fc.Arbitrary<unknown>;
    handle(req: Request): Promise<Response> | Response;
  }

  const registrationJson = fc.oneof(
    fc.jsonValue(),
    fc.dictionary(fc.constantFrom(...METADATA_FIELDS), fc.oneof(valueFrom(good), fc.array(valueFrom(good), { maxLength: 3 }), fc.jsonValue()), { maxKeys: 8 }),
  );

  const endpoints = (): Endpoint[] => [
    { name: "authorize", path: "/oauth/authorize", methods: ["GET", "POST"], names: AUTHORIZE, query: true, handle: (r) => handleAuthorize(r, deps) },
    { name: "par", path: "/oauth/par", methods: ["POST"], names: AUTHORIZE, handle: (r) => handlePar(r, deps) },
    { name: "token", path: "/oauth/token", methods: ["POST"], names: TOKEN, handle: (r) => handleToken(r, deps, (tokenOptions ??= unlimited())) },
    { name: "revoke", path: "/oauth/revoke", methods: ["POST"], names: REVOKE, handle: (r) => handleRevocation(r, deps) },
    { name: "introspect", path: "/oauth/introspect", methods: ["POST"], names: REVOKE, handle: (r) => handleIntrospection(r, deps) },
    { name: "register", path: "/oauth/register", methods: ["POST"], names: METADATA_FIELDS, json: registrationJson, handle: (r) => handleRegister(r, deps) },
    { name: "backchannel", path: "/oauth/backchannel", methods: ["POST"], names: BACKCHANNEL, handle: (r) => handleBackchannel(r, deps) },
    { name: "device_authorization", path: "/oauth/device_authorization", methods: ["POST"], names: DEVICE, handle: (r) => handleDeviceAuthorization(r, deps) },
    { name: "jwks", path: "/oauth/jwks", methods: ["GET"], names: ["kid"], query: true, handle: (r) => handleJwks(r, deps) },
    { name: "metadata", path: "/.well-known/oauth-authorization-server", methods: ["GET"], names: ["x"], query: true, handle: (r) => handleMetadata(r, deps) },
    { name: "grant status", path: "/api/grants/status", methods: ["GET"], names: ["ids"], query: true, handle: (r) => handleGrantStatus(r, deps) },
  ];

  it("shows no database error on the authorization error page when the client lookup fails (checklist 144)", async () => {
    // The fuzz suite found this page echoing whatever the lookup threw, PostgreSQL's own words included.
    const failing = new Proxy(db, {
      get: (target, prop, receiver) =>
        prop === "client"
          ? { findUnique: () => Promise.reject(new Error("Invalid `prisma.client.findUnique()` invocation: SELECT \"id\" FROM \"Client\"")) }
          : Reflect.get(target, prop, receiver),
    });
    const res = await handleAuthorize(new Request(`${issuer()}/oauth/authorize?client_id=someone`), { ...deps, db: failing });
    // A database failure is the server's fault: 500 with a stable code (lib/oauth/authorize/checks.ts).
    expect(res.status).toBe(500);
    const page = await res.text();
    expect(page).toContain("server_error");
    expect(page).toContain("The application could not be looked up");
    expect(page).not.toMatch(/prisma|SELECT/);
  });

  it("answers every malformed or hostile request to every issuer endpoint with a 4xx, without internals (checklist 144)", async () => {
    for (const endpoint of endpoints()) {
      const spec = requestSpec({ methods: endpoint.methods, names: endpoint.names, good, clientIds, secrets, json: endpoint.json, query: endpoint.query });
      await fc.assert(
        fc.asyncProperty(spec, async (s) => {
          const req = await buildRequest(`${issuer()}${endpoint.path}`, s);
          sent++;
          await expectSafeAnswer(await endpoint.handle(req), `${endpoint.name} ${s.method}`);
        }),
        { numRuns: runs(endpoint.name === "token" || endpoint.name === "authorize" ? 250 : 120) },
      );
    }
    // The consent form's target: a hostile request id and form from a signed-in user of this site.
    const consent = requestSpec({ methods: ["POST"], names: ["consent_token", "decision", "duration", "recipients", "max_messages"], good });
    await fc.assert(
      fc.asyncProperty(consent, valueFrom(good), fc.boolean(), async (s, requestId, sameSite) => {
        const req = await buildRequest(`${issuer()}/consent/x/decision`, { ...s, extra: sameSite ? [...s.extra, ["Origin", issuer()]] : s.extra });
        sent++;
        await expectSafeAnswer(await handleConsentDecision(req, deps, { requestId, userId }), "consent decision");
      }),
      { numRuns: runs(120) },
    );
    // Still serving: metadata, and an authenticated introspection that reads the database.
    expect((await handleMetadata(new Request(`${issuer()}/.well-known/oauth-authorization-server`), deps)).status).toBe(200);
    const basic = `Basic ${Buffer.from(`${confidential.id}:${confidential.secret}`).toString("base64")}`;
    const introspect = new Request(`${issuer()}/oauth/introspect`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Authorization: basic },
      body: "token=nothing",
    });
    const res = await handleIntrospection(introspect, deps);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ active: false });
  }, 600_000);
});
