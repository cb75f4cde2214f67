// Server-provided DPoP nonces (RFC 9449 section 8). Stateless: a nonce is the number of a
// time window plus an HMAC of it under the server's secret, so every process of the issuer
// accepts nonces any other process handed out, without shared storage. A nonce stays valid
// for the window it was made in and the next one (one to two windows), which bounds how far
// in advance a stolen key could pre-compute proofs.
import { createHmac, timingSafeEqual } from "node:crypto";

export const DPOP_NONCE_WINDOW_SECONDS = 300;

export interface DpopNoncePolicy {
  /** When true, a proof without a valid nonce gets `use_dpop_nonce`. */
  required: boolean;
  /** A nonce valid now (send it in `DPoP-Nonce`). */
  current(): string;
  /** True when `nonce` was made by this server, for this audience, in this window or the last. */
  isValid(nonce: string): boolean;
}

function mac(secret: string, audience: string, window: number): string {
  return createHmac("sha256", secret).update(`dpop-nonce\0${audience}\0${window}`).digest("base64url").slice(0, 32);
}

/**
 * Nonces for one audience (the issuer's token endpoint, or one resource server): a nonce made
 * for one is useless at another, since servers may differ in how they use them.
 */
export function hmacNoncePolicy(options: { secret: string; audience: string; required: boolean; now: () => Date }): DpopNoncePolicy {
  const windowAt = () => Math.floor(options.now().getTime() / 1000 / DPOP_NONCE_WINDOW_SECONDS);
  const make = (w: number) => `${w.toString(36)}.${mac(options.secret, options.audience, w)}`;
  return {
    required: options.required,
    current: () => make(windowAt()),
    isValid(nonce) {
      const [, window36, tag] = /^([0-9a-z]{1,12})\.([A-Za-z0-9_-]{32})$/.exec(nonce) ?? [];
      if (window36 === undefined || tag === undefined) return false;
      const w = parseInt(window36, 36);
      const now = windowAt();
      if (w !== now && w !== now - 1) return false;
      return timingSafeEqual(Buffer.from(tag), Buffer.from(mac(options.secret, options.audience, w)));
    },
  };
}
