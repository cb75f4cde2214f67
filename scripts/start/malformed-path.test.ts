import { describe, expect, it } from "vitest";
import { isMalformedPath } from "./malformed-path";

describe("malformed paths (checklist 146)", () => {
  it("refuses a path whose percent-encoding is not UTF-8, and passes every decodable one", () => {
    for (const url of ["/%ED%A0%80", "/audit/grants/%E0%A4%A", "/a%", "/%FF?x=1"]) expect(isMalformedPath(url), url).toBe(true);
    for (const url of ["/", "/audit/grants/abc", "/audit/grants/%00", "/caf%C3%A9", "/x?q=%ED%A0%80", undefined]) expect(isMalformedPath(url), String(url)).toBe(false);
  });
});
