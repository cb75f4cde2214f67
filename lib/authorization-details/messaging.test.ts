import { describe, expect, it } from "vitest";
import { AuthorizationDetailsError, parseAuthorizationDetailsParam, parseMessagingDetails } from "./messaging";
import { isWithin, narrowDetails, wasNarrowed } from "./narrowing";
import { formatPhone, normalizeE164 } from "./phone";
import { describeMessagingDetail } from "./words";

describe("E.164 normalisation", () => {
  it("accepts international notation with spaces, dashes and brackets", () => {
    expect(normalizeE164("+1 (555) 010-0123")).toBe("+15550100123");
    expect(normalizeE164("+44 20 7946 0958")).toBe("+442079460958");
  });
  it("rejects national notation, too-short numbers and junk", () => {
    for (const bad of ["5550100123", "+1555", "call me", "", "+1 555 010 0123 ext 9999999999999999999999"]) {
      expect(normalizeE164(bad)).toBeNull();
    }
  });
  it("answers the same from its cache of recent answers, also once older answers were evicted", () => {
    const first = ["+1 (555) 010-0123", "call me", "+1555"].map((n) => normalizeE164(n));
    // More distinct inputs than the cache holds (1,024), valid and not.
    for (let i = 0; i < 1_100; i++) {
      expect(normalizeE164(`+1 555 ${String(i).padStart(7, "0")}`)).toBe(`+1555${String(i).padStart(7, "0")}`);
      expect(normalizeE164(`+${i}`)).toBeNull();
    }
    expect(["+1 (555) 010-0123", "call me", "+1555"].map((n) => normalizeE164(n))).toEqual(first);
    expect(first).toEqual(["+15550100123", null, null]);
  });
  it("formats North American numbers with dashes for people", () => {
    expect(formatPhone("+15550100123")).toBe("+1 555-010-0123");
  });
});

describe("messaging authorization details validation", () => {
  it("normalises, deduplicates and sorts recipients", () => {
    const [d] = parseMessagingDetails([{ type: "messaging", actions: ["send"], recipients: ["+1 555 010 0124", "+15550100123", "+1-555-010-0123"], max_messages: 3 }]);
    expect(d).toEqual({ type: "messaging", actions: ["send"], recipients: ["+15550100123", "+15550100124"], max_messages: 3 });
  });
  it("rejects a non-array", () => {
    expect(() => parseMessagingDetails({ type: "messaging" })).toThrow(AuthorizationDetailsError);
    expect(() => parseAuthorizationDetailsParam("{not json")).toThrow(/not valid JSON/);
  });
  it.each([
    [[{ type: "payments" }], /unsupported type/],
    [[{ type: "messaging", recipients: ["12345"] }], /E\.164/],
    [[{ type: "messaging", recipients: ["+15550100123"], max_messages: 0 }], /max_messages/],
    [[{ type: "messaging", recipients: ["+15550100123"], max_messages: 2.5 }], /max_messages/],
    [[{ type: "messaging", actions: ["delete"], recipients: ["+15550100123"] }], /actions/],
    [[{ type: "messaging", recipients: ["+15550100123"], colour: "red" }], /unknown field "colour"/],
  ])("rejects %j", (input, message) => {
    expect(() => parseMessagingDetails(input)).toThrow(message);
  });
  it("allows a request without recipients but never grants one", () => {
    expect(parseMessagingDetails([{ type: "messaging" }])[0]?.recipients).toEqual([]);
    expect(() => parseMessagingDetails([{ type: "messaging" }], { requireRecipients: true })).toThrow(/at least one recipient/);
  });
});

describe("narrowing on the consent screen", () => {
  const asked = parseMessagingDetails([{ type: "messaging", recipients: ["+15550100123", "+15550100124"], max_messages: 3 }]);
  it("lets the user drop recipients and lower the limit", () => {
    const granted = narrowDetails(asked, [{ recipients: ["+15550100124"], maxMessages: 2 }]);
    expect(granted).toEqual([{ type: "messaging", actions: ["send"], recipients: ["+15550100124"], max_messages: 2 }]);
    expect(wasNarrowed(asked, granted)).toBe(true);
    expect(isWithin(granted, asked)).toBe(true);
  });
  it("refuses to add a recipient or raise the limit", () => {
    expect(() => narrowDetails(asked, [{ recipients: ["+15550100199"] }])).toThrow(/only be removed/);
    expect(() => narrowDetails(asked, [{ recipients: ["+15550100123"], maxMessages: 4 }])).toThrow(/only be lowered/);
    expect(() => narrowDetails(asked, [{ recipients: [] }])).toThrow(/at least one/);
  });
  it("lets the user choose recipients when none were asked", () => {
    const open = parseMessagingDetails([{ type: "messaging", max_messages: 1 }]);
    expect(narrowDetails(open, [{ recipients: ["+15550100123"] }])[0]?.recipients).toEqual(["+15550100123"]);
  });
  it("treats a wider set as not within", () => {
    const wider = parseMessagingDetails([{ type: "messaging", recipients: ["+15550100123", "+15550100199"], max_messages: 3 }]);
    expect(isWithin(wider, asked)).toBe(false);
    expect(isWithin(parseMessagingDetails([{ type: "messaging", recipients: ["+15550100123"] }]), asked)).toBe(false);
  });
});

describe("in words", () => {
  it("says what, to whom and until when", () => {
    const [d] = parseMessagingDetails([{ type: "messaging", recipients: ["+15550100123"], max_messages: 3 }]);
    const until = new Date("2026-11-22T16:05:00Z");
    expect(describeMessagingDetail(d!, { until, timeZone: "UTC", now: new Date("2026-11-22T15:05:00Z") })).toBe(
      "Send up to 3 messages to +1 555-010-0123 until 4:05 PM",
    );
  });
  it("groups the digits of large limits", () => {
    const [d] = parseMessagingDetails([{ type: "messaging", recipients: ["+15550100123"], max_messages: 10000 }]);
    expect(describeMessagingDetail(d!)).toBe("Send up to 10,000 messages to +1 555-010-0123");
  });
  it("lists several recipients and names the day when it is not today", () => {
    const [d] = parseMessagingDetails([{ type: "messaging", recipients: ["+15550100123", "+15550100124"], max_messages: 1 }]);
    const text = describeMessagingDetail(d!, { until: new Date("2026-11-24T09:00:00Z"), timeZone: "UTC", now: new Date("2026-11-22T15:00:00Z") });
    expect(text).toBe("Send up to 1 message to +1 555-010-0123 and +1 555-010-0124 until Nov 24, 9:00 AM");
  });
});
