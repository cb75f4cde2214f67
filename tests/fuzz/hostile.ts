// Generators of malformed and hostile HTTP requests for the fuzz suite (tests/fuzz/*.test.ts),
// and the one check every answer must pass. Requests are described as plain data first (so
// fast-check can shrink them) and built into real `Request`s only when sent.
import { randomUUID } from "node:crypto";
import { request as httpRequest } from "node:http";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from "jose";
import fc from "fast-check";
import { expect } from "vitest";

/** FUZZ_RUNS multiplies every property's run count (default 1: a few thousand requests in all). */
export const FUZZ_SCALE = Math.max(1, Number(process.env.FUZZ_RUNS ?? "1") || 1);
export const runs = (n: number) => Math.round(n * FUZZ_SCALE);

/** Values every parser must survive: control and unpaired characters, huge, numeric edge cases, injection, prototype keys. */
export const HOSTILE_STRINGS = [
  "",
  " ",
  "\0",
  "a\0b",
  "%00",
  "\ud800",
  "\udfff",
  "x\ud83d",
  "😀",
  "\r\n",
  "%",
  "%zz",
  "%ED%A0%80",
  "%FF",
  "x".repeat(70_000),
  "x".repeat(5_000),
  `http://localhost:3001/mcp${"/".repeat(20_000)}x`,
  "http://localhost:3001/mcp",
  "http://localhost:3001/mcp#f",
  "http://127.0.0.1:9/client.json",
  "__proto__",
  "constructor",
  "toString",
  "null",
  "true",
  "[]",
  "{}",
  "[{}]",
  '[{"type":"messaging"}]',
  '[{"type":"messaging","actions":["send"],"recipients":["+15550100123"],"max_messages":3}]',
  '[{"type":"messaging","actions":["send"],"recipients":["\\u0000"]}]',
  "' OR '1'='1",
  "1; DROP TABLE Client; --",
  "-1",
  "0",
  "1e309",
  "99999999999999999999999",
  "NaN",
  "S256",
  "plain",
  "openid",
  "messages:send",
  "messages:send messages:read",
  "authorization_code",
  "refresh_token",
  "client_credentials",
  "urn:ietf:params:oauth:grant-type:token-exchange",
  "urn:ietf:params:oauth:grant-type:device_code",
  "urn:openid:params:grant-type:ciba",
  "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
  "urn:ietf:params:oauth:token-type:access_token",
  "https://agent.example/callback",
  "code",
  "token",
  "none",
  "client_secret_basic",
  "private_key_jwt",
];

const anyText = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom("\0", "\ud800", "\udc00", "/", "%", "a", "=", "&", '"'), maxLength: 30 }) },
);

/** A parameter value: a known-good value for this test, or something hostile. */
export function valueFrom(good: string[]): fc.Arbitrary<string> {
  return good.length ? fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...good) }, { weight: 3, arbitrary: anyText }) : anyText;
}

/** Parameter lists with known and random names; repeats happen (duplicated parameters). */
export function paramsFrom(names: string[], good: string[]): fc.Arbitrary<[string, string][]> {
  const name = fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...names) }, { weight: 1, arbitrary: anyText });
  return fc.array(fc.tuple(name, valueFrom(good)), { maxLength: 12 });
}

/** Characters a header value can hold on the wire (no CR, LF, NUL or DEL: Fetch or Node's HTTP refuses those before any handler). */
const headerText = fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).filter((c) => c !== 0x7f).map((c) => String.fromCharCode(c)), maxLength: 60 });

export type TokenSpec =
  | { kind: "random"; text: string }
  | { kind: "segments"; parts: string[] }
  | { kind: "signed"; claims: Record<string, unknown>; header: Record<string, unknown> };

const jsonish = fc.oneof(anyText, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), fc.array(anyText, { maxLength: 3 }), fc.dictionary(anyText, anyText, { maxKeys: 3 }));

const claimSet = (knownClaims: Record<string, fc.Arbitrary<unknown>>) =>
  fc.record(
    Object.fromEntries(
      Object.entries({ jti: jsonish, iat: fc.oneof(fc.constant(Math.floor(Date.now() / 1000)), jsonish), ...knownClaims }).map(([k, arb]) => [k, fc.oneof(arb, jsonish)]),
    ),
    { requiredKeys: [] },
  );

/** A JWT-like string: random text, random base64url segments, or a real signature over hostile claims. */
export function tokenSpec(knownClaims: Record<string, fc.Arbitrary<unknown>> = {}): fc.Arbitrary<TokenSpec> {
  return fc.oneof(
    headerText.map((text) => ({ kind: "random" as const, text })),
    fc.array(fc.base64String({ maxLength: 40 }).map((s) => s.replace(/[+/=]/g, "")), { minLength: 1, maxLength: 5 }).map((parts) => ({ kind: "segments" as const, parts })),
    fc.record({ claims: claimSet(knownClaims), header: fc.record({ typ: fc.oneof(fc.constantFrom("dpop+jwt", "at+jwt", "JWT"), anyText), kid: anyText }, { requiredKeys: [] }) }).map((s) => ({ kind: "signed" as const, ...s })),
  );
}

let signingKey: Promise<{ privateKey: CryptoKey; jwk: JWK }> | undefined;
async function fuzzKey() {
  signingKey ??= generateKeyPair("ES256", { extractable: true }).then(async ({ privateKey, publicKey }) => ({ privateKey, jwk: await exportJWK(publicKey) }));
  return signingKey;
}

/** Builds the JWT text; "signed" ones carry their public key in `jwk` (a DPoP proof's shape). */
export async function buildToken(spec: TokenSpec): Promise<string> {
  if (spec.kind === "random") return spec.text;
  if (spec.kind === "segments") return spec.parts.join(".");
  const { privateKey, jwk } = await fuzzKey();
  return new SignJWT(spec.claims).setProtectedHeader({ alg: "ES256", jwk, ...spec.header }).sign(privateKey);
}

export type AuthSpec =
  | { kind: "none" }
  | { kind: "basic"; id: string; secret: string; encode: boolean }
  | { kind: "scheme"; scheme: string; token: TokenSpec }
  | { kind: "raw"; text: string };

export function authSpec(clientIds: string[], secrets: string[], knownClaims: Record<string, fc.Arbitrary<unknown>> = {}): fc.Arbitrary<AuthSpec> {
  return fc.oneof(
    fc.constant({ kind: "none" as const }),
    fc.record({ id: valueFrom(clientIds), secret: valueFrom(secrets), encode: fc.boolean() }).map((b) => ({ kind: "basic" as const, ...b })),
    fc.record({ scheme: fc.constantFrom("Bearer", "DPoP", "bearer", "Basic", "Negotiate"), token: tokenSpec(knownClaims) }).map((s) => ({ kind: "scheme" as const, ...s })),
    headerText.map((text) => ({ kind: "raw" as const, text })),
  );
}

function basicValue(id: string, secret: string, encode: boolean): string {
  // Lone surrogates cannot be percent-encoded by encodeURIComponent; send them raw instead.
  const enc = (s: string) => {
    try {
      return encode ? encodeURIComponent(s) : s;
    } catch {
      return s;
    }
  };
  return `Basic ${Buffer.from(`${enc(id)}:${enc(secret)}`, "utf8").toString("base64")}`;
}

export async function authHeader(spec: AuthSpec): Promise<string | undefined> {
  if (spec.kind === "none") return undefined;
  if (spec.kind === "basic") return basicValue(spec.id, spec.secret, spec.encode);
  if (spec.kind === "raw") return spec.text;
  return `${spec.scheme} ${await buildToken(spec.token)}`;
}

export type BodySpec =
  | { kind: "none" }
  | { kind: "form"; params: [string, string][]; raw: boolean }
  | { kind: "json"; value: unknown }
  | { kind: "text"; text: string }
  | { kind: "bytes"; bytes: Uint8Array };

/** Bodies: forms (encoded, or raw so NUL and lone surrogates pass through), JSON of any shape, broken text and bytes. */
export function bodySpec(names: string[], good: string[], json: fc.Arbitrary<unknown> = fc.jsonValue()): fc.Arbitrary<BodySpec> {
  const params = paramsFrom(names, good);
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant({ kind: "none" as const }) },
    { weight: 6, arbitrary: fc.record({ params, raw: fc.boolean() }).map((f) => ({ kind: "form" as const, ...f })) },
    { weight: 3, arbitrary: fc.oneof(json, params.map((p) => Object.fromEntries(p))).map((value) => ({ kind: "json" as const, value })) },
    { weight: 1, arbitrary: fc.oneof(anyText, fc.constantFrom('{"a":', "[", '{"a":"\\u0000"}', '{"\\ud800":1}', '"\\udfff"', "{}".repeat(10_000))).map((text) => ({ kind: "text" as const, text })) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes) => ({ kind: "bytes" as const, bytes })) },
  );
}

export function encodeForm(params: [string, string][], raw: boolean): string {
  if (!raw) return new URLSearchParams(params).toString();
  return params.map(([k, v]) => `${k}=${v}`).join("&");
}

export function bodyText(spec: BodySpec): string | Uint8Array | undefined {
  switch (spec.kind) {
    case "none":
      return undefined;
    case "form":
      return encodeForm(spec.params, spec.raw);
    case "json":
      return JSON.stringify(spec.value) ?? "null";
    case "text":
      return spec.text;
    case "bytes":
      return spec.bytes;
  }
}

export const contentTypes = fc.constantFrom(
  "application/x-www-form-urlencoded",
  "application/x-www-form-urlencoded",
  "application/json",
  "application/json; charset=utf-8",
  "APPLICATION/JSON",
  "application/x-www-form-urlencoded; charset=utf-16",
  "text/plain",
  "multipart/form-data; boundary=x",
  "",
  "none",
);

/** The natural content type for a body, most of the time; any other one sometimes. */
export function contentTypeFor(spec: BodySpec, other: string, natural: boolean): string | undefined {
  const chosen = natural ? (spec.kind === "json" ? "application/json" : "application/x-www-form-urlencoded") : other;
  return chosen === "none" ? undefined : chosen;
}

export interface RequestSpec {
  method: string;
  query: [string, string][];
  body: BodySpec;
  natural: boolean;
  contentType: string;
  auth: AuthSpec;
  dpop: { kind: "none" } | { kind: "one"; token: TokenSpec } | { kind: "two"; a: TokenSpec; b: TokenSpec };
  extra: [string, string][];
}

export function requestSpec(o: {
  methods: string[];
  names: string[];
  good: string[];
  clientIds?: string[];
  secrets?: string[];
  json?: fc.Arbitrary<unknown>;
  claims?: Record<string, fc.Arbitrary<unknown>>;
  query?: boolean;
}): fc.Arbitrary<RequestSpec> {
  const dpopClaims = { htm: fc.constantFrom("POST", "GET"), htu: fc.constantFrom("http://localhost:3000/oauth/token", "http://localhost:3000/oauth/par", "http://localhost:3001/mcp") };
  return fc.record({
    method: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...o.methods) }, { weight: 1, arbitrary: fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS") }),
    query: o.query ? paramsFrom(o.names, o.good) : fc.constant([] as [string, string][]),
    body: bodySpec(o.names, o.good, o.json),
    natural: fc.boolean(),
    contentType: contentTypes,
    auth: authSpec(o.clientIds ?? [], o.secrets ?? [], o.claims),
    dpop: fc.oneof(
      { weight: 3, arbitrary: fc.constant({ kind: "none" as const }) },
      { weight: 2, arbitrary: tokenSpec(dpopClaims).map((token) => ({ kind: "one" as const, token })) },
      { weight: 1, arbitrary: fc.record({ a: tokenSpec(dpopClaims), b: tokenSpec(dpopClaims) }).map((t) => ({ kind: "two" as const, ...t })) },
    ),
    extra: fc.array(fc.tuple(fc.constantFrom("User-Agent", "Origin", "X-Forwarded-For", "Content-Length", "Idempotency-Key", "Accept", "Mcp-Protocol-Version", "Mcp-Session-Id"), headerText), { maxLength: 3 }),
  });
}

/** The real `Request` for a spec (GET and HEAD cannot carry a body: theirs is dropped). */
export async function buildRequest(url: string, spec: RequestSpec): Promise<Request> {
  const u = new URL(url);
  for (const [k, v] of spec.query) u.searchParams.append(k, v);
  const headers = new Headers();
  for (const [k, v] of spec.extra) headers.append(k, v);
  const contentType = contentTypeFor(spec.body, spec.contentType, spec.natural);
  if (contentType !== undefined) headers.set("Content-Type", contentType);
  const auth = await authHeader(spec.auth);
  if (auth !== undefined) headers.set("Authorization", auth);
  if (spec.dpop.kind === "one") headers.set("DPoP", await buildToken(spec.dpop.token));
  if (spec.dpop.kind === "two") {
    headers.append("DPoP", await buildToken(spec.dpop.a));
    headers.append("DPoP", await buildToken(spec.dpop.b));
  }
  const canHaveBody = spec.method !== "GET" && spec.method !== "HEAD";
  return new Request(u, { method: spec.method, headers, body: canHaveBody ? (bodyText(spec.body) as BodyInit | undefined) : undefined });
}

// Leaks: a stack frame, the ORM, SQL, database error wording.
const LEAKS = [/\bat [^\s(]+ \([^\s()]+:\d+:\d+\)/, /\bat \/\S+:\d+:\d+/, /prisma/i, /SELECT /, /INSERT /, /UPDATE "/, /constraint/i, /\bSQLITE_/, /violates/i, /invalid byte sequence/i, /node_modules/];

/** What every answer to a hostile request must be: a 4xx (or a success), never a 5xx, and no internals in the body. */
export async function expectSafeAnswer(res: Response, what: string): Promise<void> {
  const text = await res.text();
  if (res.status >= 500) throw new Error(`${what}: HTTP ${res.status}: ${text.slice(0, 300)}`);
  for (const leak of LEAKS) if (leak.test(text)) throw new Error(`${what}: the answer leaks ${leak}: ${text.slice(0, 300)}`);
  expect(res.status).toBeGreaterThanOrEqual(200);
}

export const newId = () => randomUUID();

/**
 * Sends a built request over a real connection with node:http (fetch refuses some hostile
 * header values client-side). Resolves with the answer; rejects when the connection drops.
 * Content-Length is always the real one: a lying one is covered by the handler-level runs.
 */
export async function sendOverHttp(req: Request): Promise<Response> {
  const body = req.method === "GET" || req.method === "HEAD" ? Buffer.alloc(0) : Buffer.from(await req.arrayBuffer());
  const headers: Record<string, string | string[]> = {};
  req.headers.forEach((value, name) => {
    if (name !== "content-length") headers[name] = value;
  });
  headers["content-length"] = String(body.length);
  const u = new URL(req.url);
  return new Promise((resolve, reject) => {
    // One connection per request (agent: false): a reused keep-alive socket that the server has
    // just closed (after a 413, say) resets the next request, a race of the client's, not a
    // dropped answer; every request still gets its own connection checked.
    const out = httpRequest({ host: u.hostname, port: u.port, path: `${u.pathname}${u.search}`, method: req.method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () => resolve(new Response(res.statusCode === 204 || res.statusCode === 304 ? null : Buffer.concat(chunks), { status: res.statusCode ?? 0 })));
    });
    out.on("error", reject);
    out.end(body);
  });
}
