import { describe, expect, it } from "vitest";
import type { MessagingDetail } from "./messaging";
import { entryLimits, entryToSpend, spendOrder } from "./quota";

const A = "+15550100123";
const B = "+15550100999";
const entry = (recipients: string[], max?: number): MessagingDetail => ({ type: "messaging", actions: ["send"], recipients, ...(max === undefined ? {} : { max_messages: max }) });

describe("which entry a send spends from (checklist 103)", () => {
  it("checklist 103: prefers the first unlimited entry covering the recipient, else the covering entries in listed order", () => {
    expect(spendOrder([entry([A], 1), entry([A, B], 2)], A)).toEqual([0, 1]);
    expect(spendOrder([entry([A, B], 1), entry([A]), entry([A])], A)).toEqual([1]);
    expect(spendOrder([entry([A], 1), entry([B], 5)], B)).toEqual([1]);
    expect(spendOrder([entry([A], 1)], B)).toEqual([]);
  });

  it("checklist 103: takes the first entry in that order that has a message left, or none", () => {
    const details = [entry([A], 1), entry([A, B], 2)];
    const rows = (u0: number, u1: number) => [
      { position: 0, maxMessages: 1, used: u0 },
      { position: 1, maxMessages: 2, used: u1 },
    ];
    expect(entryToSpend(details, rows(0, 0), A)).toBe(0);
    expect(entryToSpend(details, rows(1, 0), A)).toBe(1);
    expect(entryToSpend(details, rows(1, 2), A)).toBeNull();
    // A missing budget row spends nothing: fail closed.
    expect(entryToSpend(details, [], A)).toBeNull();
    expect(entryToSpend([entry([A])], [{ position: 0, maxMessages: null, used: 40 }], A)).toBe(0);
  });

  it("reports each entry's limit, used and left; an unlimited entry has neither max_messages nor left", () => {
    expect(entryLimits([entry([A], 3), entry([B])], [{ position: 0, maxMessages: 3, used: 2 }, { position: 1, maxMessages: null, used: 7 }])).toEqual([
      { entry: 0, recipients: [A], max_messages: 3, used: 2, left: 1 },
      { entry: 1, recipients: [B], used: 7 },
    ]);
  });
});
