import { describe, expect, it } from "vitest";
import { entryUsageInWords } from "../authorization-details";
import { limitsInWords, timeLeftInWords } from "./words";

const now = new Date("2026-11-22T15:00:00Z");
const details = [{ type: "messaging" as const, actions: ["send" as const], recipients: ["+15550100123"], max_messages: 3 }];

describe("grant limits in words", () => {
  it("say how long a grant has left", () => {
    expect(timeLeftInWords(new Date(now.getTime() + 45 * 60_000), now)).toBe("45 minutes left");
    expect(timeLeftInWords(new Date(now.getTime() + 125 * 60_000), now)).toBe("2 hours 5 minutes left");
    expect(timeLeftInWords(new Date(now.getTime() + 60 * 60_000), now)).toBe("1 hour left");
    expect(timeLeftInWords(new Date(now.getTime() + 3 * 86_400_000), now)).toBe("3 days left");
    expect(timeLeftInWords(new Date(now.getTime() - 1), now)).toBe("ended");
  });

  it("say how many messages one entry has used and has left", () => {
    expect(entryUsageInWords({ max_messages: 3, used: 1, left: 2 })).toBe("1 used, 2 of 3 messages left");
    expect(entryUsageInWords({ max_messages: 3, used: 0, left: 3 })).toBe("3 messages left");
    expect(entryUsageInWords({ max_messages: 1, used: 1, left: 0 })).toBe("1 used, 0 of 1 message left");
    expect(entryUsageInWords({ used: 0 })).toBe("no message limit");
    expect(entryUsageInWords({ used: 4 })).toBe("4 used, no message limit");
  });

  it("describe what the grant allows until when, plus scopes the details do not cover", () => {
    const lines = limitsInWords({ details, scope: "messages:send messages:read", expiresAt: new Date(now.getTime() + 3600_000) }, { now, timeZone: "UTC" });
    expect(lines).toEqual(["Send up to 3 messages to +1 555-010-0123 until 4:00 PM", "See the status of messages it sent"]);
  });
});
