import { describe, expect, it } from "vitest";
import { USER_CODE_ALPHABET, generateUserCode, normalizeUserCode } from "./user-code";

describe("device user codes", () => {
  it("look like WDJB-MJHT and use only the consonant alphabet of RFC 8628 section 6.1", () => {
    for (let i = 0; i < 200; i++) {
      const code = generateUserCode();
      expect(code).toMatch(/^[A-Z]{4}-[A-Z]{4}$/);
      for (const ch of code.replace("-", "")) expect(USER_CODE_ALPHABET).toContain(ch);
      expect(code).not.toMatch(/[AEIOUY0-9]/);
    }
  });

  it("accept what the user typed in any case, with or without separators", () => {
    expect(normalizeUserCode("wdjb-mjht")).toBe("WDJB-MJHT");
    expect(normalizeUserCode(" WDJB MJHT ")).toBe("WDJB-MJHT");
    expect(normalizeUserCode("WDJBMJHT")).toBe("WDJB-MJHT");
  });

  it("reject codes of the wrong length or with characters outside the alphabet", () => {
    expect(normalizeUserCode("WDJB-MJH")).toBeNull();
    expect(normalizeUserCode("WDJB-MJHTX")).toBeNull();
    expect(normalizeUserCode("WDJA-MJHT")).toBeNull();
    expect(normalizeUserCode("WDJ0-MJHT")).toBeNull();
    expect(normalizeUserCode("")).toBeNull();
  });
});
