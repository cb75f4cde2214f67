// Client secrets are 256-bit random values, so SHA-256 is enough to store them (a slow hash
// protects guessable secrets; these are not guessable). Compared in constant time.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

export function generateClientSecret(): string {
  return randomBytes(32).toString("base64url");
}

export function hashClientSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

export function secretMatches(secret: string, storedHash: string | null | undefined): boolean {
  if (!storedHash) return false;
  const a = Buffer.from(hashClientSecret(secret), "hex");
  const b = Buffer.from(storedHash, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}
