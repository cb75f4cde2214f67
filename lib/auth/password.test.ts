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

  it("spends real Argon2 work on an unknown account, comparable to a real verification", async () => {
    const h = await hashPassword("correct horse battery");
    await verifyDummyPassword("warm up"); // the dummy hash is made once, on first use
    const time = async (fn: () => Promise<unknown>) => {
      const start = performance.now();
      await fn();
      return performance.now() - start;
    };
    // Alternating samples and medians, so a busy machine slows both sides alike.
    const real: number[] = [];
    const dummy: number[] = [];
    for (let i = 0; i < 9; i++) {
      real.push(await time(() => verifyPassword(h, "wrong password")));
      dummy.push(await time(() => verifyDummyPassword("wrong password")));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    expect(await verifyDummyPassword("dummy password that no account has")).toBe(false);
    // A shortcut (no hashing at all) would be two orders of magnitude faster.
    expect(median(dummy) / median(real)).toBeGreaterThan(0.4);
    expect(median(dummy) / median(real)).toBeLessThan(2.5);
  });

  it("asks for a rehash of weaker or non-Argon2id hashes only", async () => {
    expect(needsRehash(await hashPassword("a password here"))).toBe(false);
    expect(needsRehash(await hash("a password here", { memoryCost: 4096, timeCost: 1 }))).toBe(true);
    expect(needsRehash(await hash("a password here", { algorithm: 1 as never }))).toBe(true);
    expect(needsRehash("garbage")).toBe(true);
  });
});
