import { describe, expect, it } from "vitest";
import { clientIp } from "./client-ip";

describe("client address", () => {
  it("takes the last X-Forwarded-For entry, the one the nearest proxy (or Next.js) added", () => {
    expect(clientIp(new Headers({ "x-forwarded-for": "10.0.0.1, 203.0.113.9" }))).toBe("203.0.113.9");
    expect(clientIp({ "x-forwarded-for": "::ffff:127.0.0.1" })).toBe("127.0.0.1");
    expect(clientIp({ "x-forwarded-for": "2001:db8::1" })).toBe("2001:db8::1");
  });

  it("answers null for a missing or malformed value rather than trusting free text", () => {
    expect(clientIp(new Headers())).toBeNull();
    expect(clientIp({ "x-forwarded-for": "not-an-ip" })).toBeNull();
    expect(clientIp({ "x-forwarded-for": "203.0.113.9, <script>" })).toBeNull();
  });
});
