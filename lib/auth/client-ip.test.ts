import { describe, expect, it } from "vitest";
import { addressKey, CLIENT_ADDRESS_HEADER, clientIp, deriveClientAddress } from "./client-ip";

describe("client address", () => {
  it("checklist 114: with TRUST_PROXY off (0), X-Forwarded-For is ignored and the socket's peer is the client", () => {
    expect(deriveClientAddress("203.0.113.9", "10.0.0.1", 0)).toBe("203.0.113.9");
    expect(deriveClientAddress("203.0.113.9", ["1.2.3.4", "5.6.7.8"], 0)).toBe("203.0.113.9");
    expect(deriveClientAddress("::ffff:127.0.0.1", "198.51.100.1", 0)).toBe("127.0.0.1");
  });

  it("checklist 114: with TRUST_PROXY=N, the entry N places left of the peer; entries the client wrote further left are never read", () => {
    // The client sent "X-Forwarded-For: 6.6.6.6"; our one proxy appended the address it saw.
    expect(deriveClientAddress("10.0.0.2", "6.6.6.6, 203.0.113.9", 1)).toBe("203.0.113.9");
    expect(deriveClientAddress("10.0.0.2", "6.6.6.6, 203.0.113.9, 10.0.0.1", 2)).toBe("203.0.113.9");
    // Fewer entries than trusted hops: all were written by trusted proxies; the first is the client.
    expect(deriveClientAddress("10.0.0.2", "203.0.113.9", 3)).toBe("203.0.113.9");
    expect(deriveClientAddress("10.0.0.2", undefined, 1)).toBe("10.0.0.2");
    expect(deriveClientAddress("10.0.0.2", "2001:DB8::1", 1)).toBe("2001:db8::1");
    expect(deriveClientAddress("10.0.0.2", "<script>", 1)).toBeNull();
  });

  it("reads only the address the web server stamped, never X-Forwarded-For", () => {
    expect(clientIp(new Headers({ [CLIENT_ADDRESS_HEADER]: "203.0.113.9", "x-forwarded-for": "6.6.6.6" }))).toBe("203.0.113.9");
    expect(clientIp({ "x-forwarded-for": "6.6.6.6" })).toBeNull();
    expect(clientIp({ [CLIENT_ADDRESS_HEADER]: "not-an-ip" })).toBeNull();
    expect(addressKey(null)).toBe("unknown");
  });
});
