// The SSRF guard's address policy, one row per special-purpose block of the IANA IPv4 and IPv6
// registries (RFC 6890 and its updates): in production only global unicast may be fetched.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { guardedFetch, isAllowedAddress } from "./ssrf-guard";

// [what, an address inside the block]
const REFUSED: [string, string][] = [
  ["IPv4 this network 0.0.0.0/8", "0.0.0.0"],
  ["IPv4 this network 0.0.0.0/8 (not the first)", "0.1.2.3"],
  ["IPv4 private 10/8", "10.1.2.3"],
  ["IPv4 CGNAT 100.64/10", "100.64.0.1"],
  ["IPv4 CGNAT 100.64/10 (last)", "100.127.255.254"],
  ["IPv4 loopback 127/8", "127.0.0.1"],
  ["IPv4 loopback 127/8 (not .1)", "127.53.0.9"],
  ["IPv4 link-local 169.254/16 (cloud metadata)", "169.254.169.254"],
  ["IPv4 private 172.16/12", "172.16.0.1"],
  ["IPv4 private 172.16/12 (last)", "172.31.255.254"],
  ["IPv4 IETF protocol assignments 192.0.0/24", "192.0.0.170"],
  ["IPv4 documentation TEST-NET-1 192.0.2/24", "192.0.2.10"],
  ["IPv4 6to4 relay anycast 192.88.99/24", "192.88.99.1"],
  ["IPv4 private 192.168/16", "192.168.1.1"],
  ["IPv4 benchmarking 198.18/15", "198.18.0.1"],
  ["IPv4 benchmarking 198.18/15 (second /16)", "198.19.255.1"],
  ["IPv4 documentation TEST-NET-2 198.51.100/24", "198.51.100.7"],
  ["IPv4 documentation TEST-NET-3 203.0.113/24", "203.0.113.7"],
  ["IPv4 multicast 224/4", "224.0.0.251"],
  ["IPv4 multicast 224/4 (last)", "239.255.255.250"],
  ["IPv4 reserved 240/4", "240.0.0.1"],
  ["IPv4 reserved 240/4 (high)", "254.1.2.3"],
  ["IPv4 limited broadcast", "255.255.255.255"],
  ["IPv6 unspecified ::", "::"],
  ["IPv6 loopback ::1", "::1"],
  ["IPv4-compatible IPv6 ::/96 (loopback inside)", "::127.0.0.1"],
  ["IPv4-compatible IPv6 ::/96 (public inside)", "::8.8.8.8"],
  ["IPv4-mapped ::ffff:0:0/96 (loopback inside)", "::ffff:127.0.0.1"],
  ["IPv4-mapped ::ffff:0:0/96 (metadata inside)", "::ffff:169.254.169.254"],
  ["IPv4-mapped ::ffff:0:0/96 (public inside)", "::ffff:8.8.8.8"],
  ["IPv4-translated ::ffff:0:0:0/96", "::ffff:0:a00:1"],
  ["NAT64 well-known prefix 64:ff9b::/96 (private inside)", "64:ff9b::10.0.0.1"],
  ["NAT64 well-known prefix 64:ff9b::/96 (public inside)", "64:ff9b::8.8.8.8"],
  ["NAT64 local-use 64:ff9b:1::/48", "64:ff9b:1::a00:1"],
  ["IPv6 discard-only 100::/64", "100::1"],
  ["IPv6 IETF protocol assignments 2001::/23", "2001:1::1"],
  ["Teredo 2001::/32", "2001:0:4136:e378:8000:63bf:3fff:fdd2"],
  ["IPv6 benchmarking 2001:2::/48", "2001:2::1"],
  ["AMT 2001:3::/32", "2001:3::1"],
  ["ORCHIDv2 2001:20::/28", "2001:20::1"],
  ["IPv6 documentation 2001:db8::/32", "2001:db8::1"],
  ["6to4 2002::/16 (private IPv4 inside)", "2002:c0a8:101::1"],
  ["6to4 2002::/16 (loopback inside)", "2002:7f00:1::1"],
  ["IPv6 documentation 3fff::/20", "3fff::1"],
  ["SRv6 SIDs 5f00::/16", "5f00::1"],
  ["IPv6 unique local fc00::/7", "fd00::1"],
  ["IPv6 unique local fc00::/7 (fc half)", "fc00::1"],
  ["IPv6 site-local fec0::/10 (deprecated)", "fec0::1"],
  ["IPv6 link-local fe80::/10", "fe80::1"],
  ["IPv6 link-local with a zone", "fe80::1%eth0"],
  ["IPv6 multicast ff00::/8", "ff02::1"],
  ["IPv6 outside 2000::/3, unassigned", "4000::1"],
  ["IPv6 outside 2000::/3, unassigned low", "1::1"],
  ["not an address", "example.com"],
];

const ALLOWED: [string, string][] = [
  ["public IPv4", "8.8.8.8"],
  ["public IPv4 next to CGNAT", "100.128.0.1"],
  ["public IPv4 next to 172.16/12", "172.32.0.1"],
  ["public IPv4 next to benchmarking", "198.20.0.1"],
  ["public IPv6", "2606:4700::1"],
  ["public IPv6 in 2001::/16 past the IETF block", "2001:4860:4860::8888"],
];

describe("the SSRF guard's address policy (checklist 163)", () => {
  it.each(REFUSED)("checklist 163: refuses %s (%s) in production", (_what, address) => {
    expect(isAllowedAddress(address, false)).toBe(false);
  });

  it.each(ALLOWED)("checklist 163: allows %s (%s)", (_what, address) => {
    expect(isAllowedAddress(address, false)).toBe(true);
  });

  // Development may fetch loopback and private documents, and nothing else non-global: a mapped,
  // compatible, NAT64 or 6to4 spelling of a private address stays refused even then.
  it.each([
    ["127.0.0.1", true],
    ["::1", true],
    ["10.1.2.3", true],
    ["fd00::1", true],
    ["169.254.169.254", false],
    ["::ffff:169.254.169.254", false],
    ["::ffff:127.0.0.1", false],
    ["::127.0.0.1", false],
    ["64:ff9b::a9fe:a9fe", false],
    ["2002:a9fe:a9fe::1", false],
    ["100.64.0.1", false],
    ["0.0.0.0", false],
  ] as const)("checklist 163: with private fetches allowed (development), %s is allowed: %s", (address, allowed) => {
    expect(isAllowedAddress(address, true)).toBe(allowed);
  });
});

describe("the guard refuses a literal address before connecting (checklist 163)", () => {
  let server: Server;
  let hits = 0;
  let port = 0;
  beforeAll(async () => {
    server = createServer((_req, res) => {
      hits++;
      res.writeHead(200, { "Content-Type": "application/json" }).end("{}");
    });
    await new Promise<void>((r) => server.listen(0, "::", r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("checklist 163: an IPv4-mapped or IPv4-compatible spelling of loopback is refused, and nothing is fetched", async () => {
    for (const host of ["[::ffff:127.0.0.1]", "[::127.0.0.1]", "[64:ff9b::7f00:1]"]) {
      await expect(guardedFetch(`https://${host}:${port}/doc`, { allowPrivate: false, maxBytes: 1000, timeoutMs: 2000 })).rejects.toThrow(/disallowed address/);
    }
    expect(hits).toBe(0);
  });
});
