// Bearer handles: auth_req_id, device_code, request_uri, authorization codes, client secrets and
// the consent page's anti-CSRF token. Each is 256 bits from the CSPRNG, stored only as its SHA-256
// hash (CIBA Core section 7.3 asks for enough entropy that guessing is infeasible; RFC 8628
// section 5.2 likewise for device codes, RFC 9126 section 7.1 for request URIs, RFC 6749
// section 10.10 for codes and credentials). A database leak reveals no usable handle, and a slow
// hash would add nothing: these values are not guessable. Refresh tokens are hashed the same way
// in lib/oauth/tokens/refresh-token.ts, in base64url (their stored rows use that encoding).
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

export function newHandle(): string {
  return randomBytes(32).toString("base64url");
}

export function hashHandle(handle: string): string {
  return createHash("sha256").update(handle, "utf8").digest("hex");
}

/** Whether a presented handle is the one whose hash is stored, compared in constant time. */
export function handleMatches(handle: string, storedHash: string | null | undefined): boolean {
  if (!storedHash) return false;
  const presented = Buffer.from(hashHandle(handle), "hex");
  const stored = Buffer.from(storedHash, "hex");
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}
