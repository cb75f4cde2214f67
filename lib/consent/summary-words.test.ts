import { describe, expect, it } from "vitest";
import type { MessagingDetail } from "../authorization-details";
import { maximumInWords } from "./view-model";

const entry = (recipients: string[], max_messages?: number): MessagingDetail => ({ type: "messaging", actions: ["send"], recipients, max_messages });

describe("the consent page's summary of the most an approval allows", () => {
  it("adds up the entries' own limits and counts each recipient once", () => {
    expect(maximumInWords([entry(["+15550100123", "+15550100124"], 3), entry(["+15550100124"], 1)], ["messages:send"], "2 hours")).toEqual([
      "Send at most 4 text messages in all, only to 2 phone numbers listed below.",
      "For 2 hours at most, and only until you revoke it.",
    ]);
  });

  it("says there is no limit when one entry has none, and names recipients the user still has to enter", () => {
    expect(maximumInWords([entry(["+15550100123"], 3), entry([])], ["messages:send"], "1 day")[0]).toBe(
      "Send any number of text messages (no limit was asked), only to 1 phone number listed below and the recipients you enter below.",
    );
  });

  it("lists the other scopes in words", () => {
    expect(maximumInWords([entry(["+15550100123"], 1)], ["messages:send", "messages:read"], "1 hour")).toEqual([
      "Send at most 1 text message in all, only to 1 phone number listed below.",
      "See the status of messages it sent.",
      "For 1 hour at most, and only until you revoke it.",
    ]);
  });
});
