import { hash } from "@node-rs/argon2";
import { describe, expect, it } from "vitest";
import { hashPassword, needsRehash, verifyDummyPassword, verifyPassword } from "./password";

describe("password hashing", () => {
  it("hashes with Argon2id at OWASP parameters (m=19456, t=2, p=1)", async () => {
    const h = await hashPassword("correct horse battery");
    expect(h).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(h).not.toContain("correct horse battery");
  });

  it("salts every hash, so one password gives two different hashes", async () => {
    expect(await hashPassword("same password!")).not.toBe(await hashPassword("same password!"));
  });

  it("verifies the right password and rejects a wrong one", async () => {
    const h = await hashPassword("correct horse battery");
    expect(await verifyPassword(h, "correct horse battery")).toBe(true);
    expect(await verifyPassword(h, "correct horse batterY")).toBe(false);
    expect(await verifyPassword(h, "")).toBe(false);
  });

  it("treats a malformed stored hash as a mismatch instead of throwing", async () => {
    expect(await verifyPassword("not-a-hash", "anything")).toBe(false);
    expect(await verifyPassword("", "anything")).toBe(false);
  });

  it("spends about as long on an unknown account as on a real verification", async () => {
    const h = await hashPassword("correct horse battery");
    await verifyDummyPassword("warm up"); // the dummy hash is made once, on first use
    const time = async (fn: () => Promise<unknown>) => {
      const start = performance.now();
      for (let i = 0; i < 5; i++) await fn();
      return performance.now() - start;
    };
    const real = await time(() => verifyPassword(h, "wrong password"));
    const dummy = await time(() => verifyDummyPassword("wrong password"));
    expect(await verifyDummyPassword("dummy password that no account has")).toBe(false);
    expect(dummy / real).toBeGreaterThan(0.5);
    expect(dummy / real).toBeLessThan(2);
  });

  it("asks for a rehash of weaker or non-Argon2id hashes only", async () => {
    expect(needsRehash(await hashPassword("a password here"))).toBe(false);
    expect(needsRehash(await hash("a password here", { memoryCost: 4096, timeCost: 1 }))).toBe(true);
    expect(needsRehash(await hash("a password here", { algorithm: 1 as never }))).toBe(true);
    expect(needsRehash("garbage")).toBe(true);
  });
});
