import { describe, expect, it } from "vitest";
import { redirectUriMatches, redirectUriProblem } from "./redirect-uri";

describe("redirect URI registration", () => {
  it.each(["https://app.example/cb", "http://127.0.0.1/cb", "http://[::1]:8080/cb", "http://localhost/cb", "com.example.app:/oauth"])(
    "accepts %s",
    (uri) => expect(redirectUriProblem(uri)).toBeNull(),
  );
  it.each([
    ["http://app.example/cb", /loopback/],
    ["https://app.example/cb#frag", /fragment/],
    ["https://user:pw@app.example/cb", /user information/],
    ["javascript:alert(1)", /not allowed/],
    ["data:text/html,hi", /not allowed/],
    ["myapp:/cb", /reverse domain/],
    ["/relative/cb", /absolute/],
  ])("rejects %s (checklist 7)", (uri, why) => expect(redirectUriProblem(uri)).toMatch(why));
});

describe("redirect URI matching (checklist 6 and 7)", () => {
  const registered = "https://app.example/cb?x=1";
  it("accepts the exact string", () => expect(redirectUriMatches(registered, registered)).toBe(true));
  it.each([
    "https://APP.example/cb?x=1",
    "https://app.example:443/cb?x=1",
    "https://app.example/cb/?x=1",
    "https://app.example/cb?x=1&y=2",
    "https://app.example/cb?x=2",
    "https://app.example/cb",
    "https://app.example/cb/extra?x=1",
    "https://app.example/c%62?x=1",
  ])("rejects %s", (requested) => expect(redirectUriMatches(registered, requested)).toBe(false));

  it("accepts any port on a loopback redirect, nothing else different", () => {
    expect(redirectUriMatches("http://127.0.0.1/cb", "http://127.0.0.1:53211/cb")).toBe(true);
    expect(redirectUriMatches("http://127.0.0.1:9000/cb", "http://127.0.0.1:53211/cb")).toBe(true);
    expect(redirectUriMatches("http://[::1]/cb", "http://[::1]:4000/cb")).toBe(true);
    expect(redirectUriMatches("http://localhost/cb", "http://localhost:4000/cb")).toBe(true);
    expect(redirectUriMatches("http://127.0.0.1/cb", "http://127.0.0.1:53211/cb2")).toBe(false);
    expect(redirectUriMatches("http://127.0.0.1/cb", "http://localhost:53211/cb")).toBe(false);
    expect(redirectUriMatches("http://127.0.0.1/cb", "https://127.0.0.1:53211/cb")).toBe(false);
    expect(redirectUriMatches("https://app.example/cb", "https://app.example:8443/cb")).toBe(false);
  });
});

describe("loopback ports by application_type (checklist 178)", () => {
  it("a native client's loopback redirect matches on any port; a web client's only exactly", () => {
    for (const registered of ["http://127.0.0.1/callback", "http://localhost:3000/callback", "http://[::1]/callback"]) {
      const other = registered.replace(/(\/\/[^/]+?)(:\d+)?\//, "$1:49152/");
      expect(redirectUriMatches(registered, other, { anyLoopbackPort: true })).toBe(true);
      expect(redirectUriMatches(registered, other, { anyLoopbackPort: false })).toBe(false);
      expect(redirectUriMatches(registered, registered, { anyLoopbackPort: false })).toBe(true);
    }
    // The port is the only freedom: the path still matches exactly.
    expect(redirectUriMatches("http://127.0.0.1/callback", "http://127.0.0.1:5000/other", { anyLoopbackPort: true })).toBe(false);
  });
});
