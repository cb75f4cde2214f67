import { describe, expect, it } from "vitest";
import { AUDIT_EVENT_TYPES } from "./events";
import { grantFlow, stageOf } from "./flow";

const at = (minute: number) => new Date(Date.UTC(2026, 10, 1, 12, minute));

describe("a grant's flow", () => {
  it("puts every event of a grant's life in its stage, in the order of the flow", () => {
    expect(
      ["authorization.requested", "consent.approved", "code.redeemed", "token.issued", "tool.allowed", "message.queued", "message.delivered", "grant.revoked", "token.revoked"].map(stageOf),
    ).toEqual(["requested", "consented", "tokens", "tokens", "calls", "calls", "deliveries", "revoked", "revoked"]);
    // Sign-ins and key rotations are not part of any grant's flow.
    expect(["signin.succeeded", "key.rotated", "user.created"].map(stageOf)).toEqual([undefined, undefined, undefined]);
    // Every grant event type has a stage.
    const grantTypes = AUDIT_EVENT_TYPES.filter((t) => /^(consent|code|token|refresh|tool|message|grant)\./.test(t));
    expect(grantTypes.filter((t) => stageOf(t) === undefined)).toEqual([]);
  });

  it("counts each stage, marks refusals with the first one's reason, and leaves unreached stages empty", () => {
    const steps = grantFlow([
      { seq: 1, type: "authorization.requested", outcome: "info", time: at(0), reason: null },
      { seq: 2, type: "consent.approved", outcome: "success", time: at(1), reason: null },
      { seq: 3, type: "token.issued", outcome: "success", time: at(2), reason: null },
      { seq: 4, type: "tool.allowed", outcome: "success", time: at(3), reason: null },
      { seq: 5, type: "tool.denied", outcome: "denied", time: at(4), reason: "quota spent" },
      { seq: 6, type: "tool.denied", outcome: "denied", time: at(5), reason: "recipient not allowed" },
      { seq: 7, type: "message.delivered", outcome: "success", time: at(6), reason: null },
    ]);
    expect(steps.map((s) => [s.stage, s.count, s.refused])).toEqual([
      ["requested", 1, 0],
      ["consented", 1, 0],
      ["tokens", 1, 0],
      ["calls", 3, 2],
      ["deliveries", 1, 0],
      ["revoked", 0, 0],
    ]);
    const calls = steps[3]!;
    expect(calls.firstRefusal).toEqual({ seq: 5, type: "tool.denied", reason: "quota spent" });
    expect([calls.first, calls.last]).toEqual([at(3), at(5)]);
    expect(steps[5]?.first).toBeUndefined();
  });
});
