// Unit tests for the token endpoint's small checks.
import { describe, expect, it } from "vitest";
import { OAuthError } from "../errors";
import { delegationDepth } from "../tokens/claims";
import { checkNoRepeats } from "./form";
import { checkPkce, checkVerifierFormat, s256 } from "./pkce";
import { checkSameResource, narrowDetailsParam, narrowScope } from "./scope";
import { DETAILS } from "./test-fixtures";

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return (e as OAuthError).code;
  }
  return "ok";
};

describe("PKCE (RFC 7636)", () => {
  const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
  it("matches the RFC 7636 appendix B example", () => {
    expect(s256(verifier)).toBe("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    expect(code(() => checkPkce("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", verifier))).toBe("ok");
  });
  it("rejects a wrong or missing verifier, and a code without a challenge (checklist 32, 33)", () => {
    expect(code(() => checkPkce(s256(verifier), verifier.replace("d", "e")))).toBe("invalid_grant");
    expect(code(() => checkPkce(s256(verifier), null))).toBe("invalid_grant");
    expect(code(() => checkPkce("", verifier))).toBe("invalid_grant");
    expect(code(() => checkPkce(null, verifier))).toBe("invalid_grant");
  });
  it("accepts 43 to 128 unreserved characters only (checklist 34)", () => {
    expect(code(() => checkVerifierFormat("a".repeat(43)))).toBe("ok");
    expect(code(() => checkVerifierFormat("-._~".repeat(32)))).toBe("ok");
    expect(code(() => checkVerifierFormat(null))).toBe("ok");
    for (const bad of ["a".repeat(42), "a".repeat(129), `${"a".repeat(42)}=`, `${"a".repeat(42)}é`]) {
      expect(code(() => checkVerifierFormat(bad))).toBe("invalid_request");
    }
  });
});

describe("narrowing", () => {
  it("keeps or narrows the scope, never widens it (checklist 41)", () => {
    expect(narrowScope(null, "a b")).toBe("a b");
    expect(narrowScope("b", "a b")).toBe("b");
    expect(code(() => narrowScope("a c", "a b"))).toBe("invalid_scope");
  });
  it("keeps or narrows authorization details, never widens them (checklist 41)", () => {
    expect(narrowDetailsParam(null, DETAILS)).toEqual(DETAILS);
    const narrow = [{ type: "messaging", actions: ["send"], recipients: ["+15550100124"], max_messages: 2 }];
    expect(narrowDetailsParam(JSON.stringify(narrow), DETAILS)).toEqual(narrow);
    expect(code(() => narrowDetailsParam(JSON.stringify([{ ...narrow[0], max_messages: 9 }]), DETAILS))).toBe("invalid_authorization_details");
    expect(code(() => narrowDetailsParam(JSON.stringify([{ type: "messaging", actions: ["send"], recipients: ["+15550100124"] }]), DETAILS))).toBe("invalid_authorization_details");
    expect(code(() => narrowDetailsParam("not json", DETAILS))).toBe("invalid_authorization_details");
    expect(code(() => narrowDetailsParam("[]", DETAILS))).toBe("invalid_authorization_details");
    expect(code(() => narrowDetailsParam(JSON.stringify([{ type: "payments" }]), DETAILS))).toBe("invalid_authorization_details");
  });
  it("allows only the same resource (checklist 41)", () => {
    expect(code(() => checkSameResource(null, "https://r"))).toBe("ok");
    expect(code(() => checkSameResource("https://r", "https://r"))).toBe("ok");
    expect(code(() => checkSameResource("https://r/", "https://r"))).toBe("invalid_target");
  });
});

describe("form parameters", () => {
  it("rejects repeated parameters (RFC 6749 section 3.2)", () => {
    expect(code(() => checkNoRepeats(new URLSearchParams("a=1&b=2")))).toBe("ok");
    expect(code(() => checkNoRepeats(new URLSearchParams("a=1&a=1")))).toBe("invalid_request");
  });
});

describe("delegation depth (RFC 8693 section 4.1)", () => {
  it("counts exchanges behind a token", () => {
    expect(delegationDepth(undefined)).toBe(0);
    expect(delegationDepth({ sub: "x" })).toBe(1);
    expect(delegationDepth({ sub: "mcp", act: { sub: "agent" } })).toBe(1);
    expect(delegationDepth({ sub: "b", act: { sub: "mcp", act: { sub: "agent" } } })).toBe(2);
  });
});
