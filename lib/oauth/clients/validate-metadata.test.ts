import { describe, expect, it } from "vitest";
import { OAuthError } from "../errors";
import { validateClientMetadata } from "./validate-metadata";

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    if (err instanceof OAuthError) return `${err.code}: ${err.description}`;
    throw err;
  }
  return "accepted";
};

describe("client metadata validation (RFC 7591 section 2)", () => {
  it("fills the defaults and drops unknown fields", () => {
    const m = validateClientMetadata({ redirect_uris: ["https://a.example/cb"], client_name: "Agent", colour: "red" });
    expect(m).toEqual({
      redirect_uris: ["https://a.example/cb"],
      application_type: "web",
      token_endpoint_auth_method: "client_secret_basic",
      grant_types: ["authorization_code"],
      response_types: ["code"],
      scope: "messages:send messages:read",
      client_name: "Agent",
    });
  });
  it("takes application_type: native keeps loopback and private-use redirects, web refuses a private-use scheme, absent is inferred (checklist 178)", () => {
    const loopback = ["http://127.0.0.1/callback", "http://localhost:8080/cb"];
    expect(validateClientMetadata({ redirect_uris: loopback, application_type: "native" }).application_type).toBe("native");
    expect(validateClientMetadata({ redirect_uris: ["com.example.app:/cb"], application_type: "native" }).application_type).toBe("native");
    expect(validateClientMetadata({ redirect_uris: loopback, application_type: "web" }).application_type).toBe("web");
    expect(code(() => validateClientMetadata({ redirect_uris: ["com.example.app:/cb"], application_type: "web" }))).toMatch(/^invalid_redirect_uri: a web client cannot register a private-use scheme/);
    expect(code(() => validateClientMetadata({ redirect_uris: loopback, application_type: "browser" }))).toMatch(/^invalid_client_metadata: application_type/);
    // Not given: loopback-only or private-use-only clients are native, anything with an https redirect is web.
    expect(validateClientMetadata({ redirect_uris: loopback }).application_type).toBe("native");
    expect(validateClientMetadata({ redirect_uris: ["https://a.example/cb", ...loopback] }).application_type).toBe("web");
  });
  it("reads empty optional strings as absent", () => {
    expect(validateClientMetadata({ redirect_uris: ["https://a.example/cb"], logo_uri: "", tos_uri: "" })).not.toHaveProperty("logo_uri");
  });
  it.each([
    [{ redirect_uris: ["http://a.example/cb"] }, /^invalid_redirect_uri/],
    [{ redirect_uris: [] }, /^invalid_redirect_uri: the authorization_code grant needs/],
    [{ redirect_uris: ["https://a.example/cb"], grant_types: ["password"] }, /^invalid_client_metadata: grant type "password"/],
    [{ redirect_uris: ["https://a.example/cb"], grant_types: ["implicit"] }, /^invalid_client_metadata/],
    [{ redirect_uris: ["https://a.example/cb"], response_types: ["token"] }, /^invalid_client_metadata/],
    [{ redirect_uris: ["https://a.example/cb"], token_endpoint_auth_method: "client_secret_jwt" }, /^invalid_client_metadata/],
    [{ redirect_uris: ["https://a.example/cb"], token_endpoint_auth_method: "private_key_jwt" }, /needs jwks/],
    [{ redirect_uris: ["https://a.example/cb"], scope: "admin" }, /unknown scope "admin"/],
    [{ redirect_uris: ["https://a.example/cb"], client_name: "a\u0000b" }, /control characters/],
    [{ redirect_uris: ["https://a.example/cb"], logo_uri: "http://a.example/logo.png" }, /https/],
    [{ redirect_uris: ["https://a.example/cb"], jwks: { keys: [{ kty: "EC", d: "secret" }] } }, /public keys only/],
    [{ redirect_uris: ["https://a.example/cb"], jwks_uri: "http://a.example/jwks" }, /https/],
    [{ redirect_uris: ["https://a.example/cb"], jwks_uri: "https://a.example/jwks", jwks: { keys: [{ kty: "EC" }] } }, /not both/],
    [[], /JSON object/],
  ])("rejects %j", (raw, why) => expect(code(() => validateClientMetadata(raw))).toMatch(why));

  it("allows a device- or CIBA-only client without redirect URIs, in poll mode", () => {
    const m = validateClientMetadata({ grant_types: ["urn:openid:params:grant-type:ciba"], token_endpoint_auth_method: "none" });
    expect(m).toMatchObject({ redirect_uris: [], response_types: [], backchannel_token_delivery_mode: "poll" });
  });
});
