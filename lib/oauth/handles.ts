// auth_req_id, device_code and request_uri are bearer handles: 256 bits from the CSPRNG,
// stored only as SHA-256 hashes (CIBA Core section 7.3 asks for enough entropy that guessing
// is infeasible; RFC 8628 section 5.2 likewise for device codes, RFC 9126 section 7.1 for
// request URIs). A database leak reveals no usable handle.
import { createHash, randomBytes } from "node:crypto";

export function newHandle(): string {
  return randomBytes(32).toString("base64url");
}

export function hashHandle(handle: string): string {
  return createHash("sha256").update(handle, "utf8").digest("hex");
}
