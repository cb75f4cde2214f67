// Fetching a URL that a client chose (its metadata document) without letting it reach inside
// our network (SSRF, RFC 9700 section 4.15 / the client ID metadata document draft, section
// "Server-Side Request Forgery"). The address check runs in the socket's DNS lookup, so the
// address that is checked is the address connected to (no DNS-rebinding window). No redirects,
// a size cap and a time limit.
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import ipaddr from "ipaddr.js";

export class GuardedFetchError extends Error {
  override name = "GuardedFetchError";
}

export interface GuardedFetchOptions {
  /** Loopback and private ranges allowed (development only). */
  allowPrivate: boolean;
  maxBytes: number;
  timeoutMs: number;
  accept?: string;
}

export interface GuardedResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

// ipaddr.js names the special-purpose blocks of the IANA IPv4 and IPv6 registries (RFC 6890)
// in range(): loopback, private, CGNAT, link-local, multicast, broadcast, 0.0.0.0/8, 240/4,
// documentation, benchmarking, IPv4-mapped, NAT64 (64:ff9b::/96, 64:ff9b:1::/48), 6to4,
// Teredo, ULA, discard, ORCHID, SRv6 and the rest. Only what it calls "unicast" is global.
const PRIVATE_RANGES = new Set(["loopback", "private", "uniqueLocal"]);
// range() calls some IPv6 space "unicast" that is not global unicast: the IPv4-compatible
// block ::/96 (RFC 4291 section 2.5.5.1, deprecated) and everything outside 2000::/3, the only
// block IANA allocates global unicast from (RFC 4291 section 2.4).
const GLOBAL_UNICAST_V6 = ipaddr.IPv6.parseCIDR("2000::/3");

/**
 * True when `address` may be connected to. Global unicast only, as ipaddr.js classifies it;
 * loopback and private ranges too when allowed (development). An IPv4-mapped IPv6 address is
 * judged as what it is (refused), not as the IPv4 address inside it.
 */
export function isAllowedAddress(address: string, allowPrivate: boolean): boolean {
  if (!ipaddr.isValid(address)) return false;
  const parsed = ipaddr.parse(address);
  const range = parsed.range();
  if (allowPrivate && PRIVATE_RANGES.has(range)) return true;
  if (range !== "unicast") return false;
  return parsed.kind() === "ipv4" || (parsed as ipaddr.IPv6).match(GLOBAL_UNICAST_V6);
}

function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { all: true, family: options.family }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, "", 0);
      // Every answer must be allowed: otherwise an attacker's DNS could mix in an internal one.
      const bad = addresses.find((a) => !isAllowedAddress(a.address, allowPrivate));
      const [first] = addresses;
      if (bad || !first) return callback(new GuardedFetchError(`${hostname} resolves to a disallowed address`), "", 0);
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      callback(null, first.address, first.family);
    });
  };
}

export function guardedFetch(url: string, options: GuardedFetchOptions): Promise<GuardedResponse> {
  const target = new URL(url);
  if (target.protocol !== "https:" && !(options.allowPrivate && target.protocol === "http:")) {
    return Promise.reject(new GuardedFetchError("only https URLs are fetched"));
  }
  const host = target.hostname.replace(/^\[|\]$/g, "");
  if (ipaddr.isValid(host) && !isAllowedAddress(host, options.allowPrivate)) {
    return Promise.reject(new GuardedFetchError(`${host} is a disallowed address`));
  }
  const client = target.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (err: Error | null, value?: GuardedResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) {
        req.destroy();
        reject(err instanceof GuardedFetchError ? err : new GuardedFetchError(`fetch failed: ${err.message}`));
      } else resolve(value!);
    };
    const req = client.request(
      target,
      {
        method: "GET",
        headers: { Accept: options.accept ?? "application/json", "User-Agent": "agent-grants-authorization-server" },
        lookup: guardedLookup(options.allowPrivate),
        timeout: options.timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > options.maxBytes) return finish(new GuardedFetchError(`response larger than ${options.maxBytes} bytes`));
          chunks.push(chunk);
        });
        res.on("end", () => finish(null, { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", (err) => finish(err));
      },
    );
    // The whole exchange, not only socket idleness, is bounded.
    const timer = setTimeout(() => finish(new GuardedFetchError(`no answer within ${options.timeoutMs} ms`)), options.timeoutMs);
    req.on("timeout", () => finish(new GuardedFetchError(`no answer within ${options.timeoutMs} ms`)));
    req.on("error", (err) => finish(err));
    req.end();
  });
}
