import { describe, expect, it } from "vitest";
import { rateLimitedCode, signInErrorMessage } from "./messages";

describe("sign-in error messages", () => {
  it("maps the codes the server sends to sentences", () => {
    expect(signInErrorMessage("CredentialsSignin")).toBe("Wrong email or password.");
    expect(signInErrorMessage(rateLimitedCode(840))).toBe("Too many failed sign-ins. Try again in 14 minutes.");
    expect(signInErrorMessage(rateLimitedCode(0.2))).toBe("Too many failed sign-ins. Try again in 1 minute.");
    expect(signInErrorMessage("AccountDisabled")).toMatch(/disabled/);
    expect(signInErrorMessage(null)).toBeNull();
  });

  it("never echoes an unknown code, so a crafted link cannot put text on the page", () => {
    expect(signInErrorMessage("Your account is locked, call +1 555 0100")).toBe("Sign-in failed. Please try again.");
    expect(signInErrorMessage("RateLimited_99999999")).toBe("Sign-in failed. Please try again.");
  });
});
