// Password hashing with Argon2id (RFC 9106), at OWASP's recommended minimum:
// m = 19 MiB, t = 2, p = 1 (OWASP Password Storage Cheat Sheet). Hashes are PHC strings,
// so the parameters travel with each hash and can be raised later (see needsRehash).
import { hash, parseOptions, verify, type Algorithm, type Options } from "@node-rs/argon2";

// The package's Algorithm is a `const enum` that is not exported at run time; 2 is Argon2id.
const ARGON2ID = 2 as Algorithm;

export const PASSWORD_HASH_OPTIONS: Readonly<Options> = Object.freeze({
  algorithm: ARGON2ID,
  memoryCost: 19_456, // KiB
  timeCost: 2,
  parallelism: 1,
  outputLen: 32,
});

export { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "./password-policy";

export async function hashPassword(password: string): Promise<string> {
  return hash(password, PASSWORD_HASH_OPTIONS);
}

/** True when the password matches. A malformed stored hash counts as a mismatch, never a throw. */
export async function verifyPassword(storedHash: string, password: string): Promise<boolean> {
  try {
    return await verify(storedHash, password);
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends the same time as a real verification, for sign-ins naming an unknown account, so the
 * response time does not reveal which emails have accounts (OWASP Authentication Cheat Sheet,
 * "Authentication responses"). Always resolves to false.
 */
export async function verifyDummyPassword(password: string): Promise<false> {
  dummyHash ??= hashPassword("dummy password that no account has");
  await verifyPassword(await dummyHash, password);
  return false;
}

/** True when a stored hash was made with weaker (or other) parameters than the current ones. */
export function needsRehash(storedHash: string): boolean {
  try {
    const p = parseOptions(storedHash);
    return (
      p.algorithm !== PASSWORD_HASH_OPTIONS.algorithm ||
      p.memoryCost < PASSWORD_HASH_OPTIONS.memoryCost! ||
      p.timeCost < PASSWORD_HASH_OPTIONS.timeCost! ||
      p.outputLen < PASSWORD_HASH_OPTIONS.outputLen!
    );
  } catch {
    return true;
  }
}
