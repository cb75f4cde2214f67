// Realistic synthetic audit traffic for `npm run audit:seed` and the benchmark: many grants in
// flight at once, each going through the real life cycle (request, consent, code, token,
// tool calls allowed and denied, deliveries, refresh, revoke), interleaved as a busy server
// would write them, plus sign-in noise. Deterministic for a given seed.
import { createHash } from "node:crypto";
import { bodyFacts } from "./body-digest";
import type { AuditEventType } from "./events";
import type { TimedAuditEvent } from "./bulk";

type Draft = Omit<TimedAuditEvent, "time">;

/** mulberry32: small, fast, deterministic. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SeedOptions {
  seed?: number;
  users?: number;
  clients?: number;
  /** Grants in flight at once (interleaving). */
  concurrency?: number;
  /** Prefix of generated ids, so several seedings never collide. */
  idPrefix?: string;
}

const phone = (r: () => number) => `+1555010${String(Math.floor(r() * 10000)).padStart(4, "0")}`;
const sha = (s: string) => createHash("sha256").update(s).digest("hex");

function* grantFlow(r: () => number, ids: { user: string; client: string; grant: string; request: string }): Generator<Draft> {
  const base = { subjectUserId: ids.user, clientId: ids.client };
  const agent = { ...base, actorType: "agent" as const, actorId: ids.client };
  const user = { ...base, actorType: "user" as const, actorId: ids.user };
  const service = { ...base, actorType: "service" as const, actorId: "mcp-server" };
  const recipients = [phone(r), phone(r)] as const;
  const max = 1 + Math.floor(r() * 5);
  const flow = r() < 0.6 ? "authorize" : r() < 0.8 ? "ciba" : "device";
  const ev = (type: AuditEventType, who: Omit<Draft, "type" | "outcome">, outcome: Draft["outcome"], extra: Partial<Draft> = {}): Draft => ({ ...who, type, outcome, ...extra });

  yield ev("authorization.requested", agent, "info", { details: { request_id: ids.request, flow, scope: "messages:send", recipients: recipients.length, max_messages: max } });
  yield ev("consent.shown", user, "info", { details: { request_id: ids.request } });
  const decision = r();
  if (decision < 0.1) {
    yield ev("consent.denied", user, "denied", { reason: "the user denied the request", details: { request_id: ids.request } });
    return;
  }
  const g = { ...base, grantId: ids.grant };
  const narrowed = decision < 0.25;
  yield ev(narrowed ? "consent.narrowed" : "consent.approved", { ...user, grantId: ids.grant }, "success", {
    reason: narrowed ? `narrowed to 1 recipient and ${max} messages` : null,
    details: { request_id: ids.request, max_messages: max, expires_in: 3600 },
  });
  if (flow === "authorize") {
    yield ev("code.issued", { ...agent, ...g }, "success");
    yield ev("code.redeemed", { ...agent, ...g }, "success");
  }
  yield ev("token.issued", { ...agent, ...g }, "success", { details: { token_type: "access", expires_in: 600, jti_sha256: sha(`${ids.grant}:jti`).slice(0, 32) } });
  let used = 0;
  const calls = 1 + Math.floor(r() * 6);
  for (let i = 0; i < calls; i++) {
    const to = r() < 0.85 ? recipients[i % 2 === 0 ? 0 : 1] : phone(r);
    if (!recipients.includes(to)) {
      yield ev("tool.denied", { ...service, ...g }, "denied", { reason: `recipient ${to} is not allowed by this grant`, details: { tool: "send_message", to } });
      continue;
    }
    if (used >= max) {
      yield ev("tool.denied", { ...service, ...g }, "denied", { reason: `quota spent: ${used} of ${max} messages used`, details: { tool: "send_message", to } });
      continue;
    }
    used++;
    yield ev("tool.allowed", { ...service, ...g }, "success", { details: { tool: "send_message", to } });
    yield ev("token.exchanged", { ...service, ...g }, "success", { details: { audience: "messaging", act: "mcp-server" } });
    const body = `message ${i} for ${ids.grant}`;
    const failed = r() < 0.05;
    yield ev(failed ? "message.failed" : "message.delivered", { ...service, ...g }, failed ? "failure" : "success", {
      reason: failed ? "provider rejected the message: unreachable number" : null,
      // Shaped like a real entry; the key is a fixed one, as these messages exist nowhere to check against.
      details: { message_id: `${ids.grant}-m${i}`, to, ...bodyFacts("audit-seed", body) },
    });
  }
  if (r() < 0.3) yield ev("token.refreshed", { ...agent, ...g }, "success");
  if (r() < 0.35) yield ev("grant.revoked", { ...user, grantId: ids.grant }, "success", { reason: "revoked by the user from the dashboard" });
}

function* noise(r: () => number, user: string): Generator<Draft> {
  const ok = r() < 0.9;
  yield {
    type: ok ? "signin.succeeded" : "signin.failed",
    outcome: ok ? "success" : "failure",
    actorType: "user",
    actorId: user,
    subjectUserId: user,
    reason: ok ? null : "wrong password",
    details: { method: "password" },
  };
}

/** `count` events, interleaved across grants, with times spread evenly up to `end`. */
export function* seedEvents(count: number, end: Date, opts: SeedOptions = {}): Generator<TimedAuditEvent> {
  const r = rng(opts.seed ?? 1);
  const prefix = opts.idPrefix ?? "seed";
  const users = opts.users ?? 5000;
  const clients = opts.clients ?? 300;
  const stepMs = 2000;
  let grantNo = 0;
  const start = end.getTime() - count * stepMs;
  const newFlow = () => {
    grantNo++;
    return grantFlow(r, {
      user: `${prefix}-user-${Math.floor(r() * users)}`,
      client: `${prefix}-client-${Math.floor(r() * clients)}`,
      grant: `${prefix}-grant-${grantNo}`,
      request: `${prefix}-req-${grantNo}`,
    });
  };
  const active: Generator<Draft>[] = Array.from({ length: opts.concurrency ?? 20 }, newFlow);
  for (let i = 0; i < count; i++) {
    let draft: Draft | undefined;
    if (r() < 0.05) draft = noise(r, `${prefix}-user-${Math.floor(r() * users)}`).next().value as Draft;
    while (!draft) {
      const k = Math.floor(r() * active.length);
      const next = active[k]?.next();
      if (!next || next.done) active[k] = newFlow();
      else draft = next.value;
    }
    yield { ...draft, time: new Date(start + i * stepMs + Math.floor(r() * stepMs)) };
  }
}
