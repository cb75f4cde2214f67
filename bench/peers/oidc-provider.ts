// The peer for the token endpoint (bench/compare.ts): node-oidc-provider, in memory, with one
// confidential client_credentials client and resource indicators (RFC 8707) so that it issues
// ES256-signed JWT access tokens (RFC 9068), as the product does. Run as its own process:
// `PORT=<port> node --import tsx bench/peers/oidc-provider.ts`; prints "ready" once listening.
// The client's id and secret come from PEER_CLIENT_ID and PEER_CLIENT_SECRET.
import { createServer } from "node:http";
import { exportJWK, generateKeyPair } from "jose";
import Provider from "oidc-provider";

const RESOURCE = "http://localhost/api/messages";
const SCOPE = "messages:read";

{
  const port = Number(process.env.PORT);
  const issuer = `http://127.0.0.1:${port}`;
  // ES256 for the access tokens; RS256 only because ID tokens (unused here) default to it.
  const ec = { ...(await exportJWK((await generateKeyPair("ES256", { extractable: true })).privateKey)), alg: "ES256", use: "sig", kid: "es256" };
  const rsa = { ...(await exportJWK((await generateKeyPair("RS256", { extractable: true })).privateKey)), alg: "RS256", use: "sig", kid: "rs256" };
  const provider = new Provider(issuer, {
    clients: [{
      client_id: String(process.env.PEER_CLIENT_ID),
      client_secret: String(process.env.PEER_CLIENT_SECRET),
      grant_types: ["client_credentials"],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: "client_secret_basic",
      scope: SCOPE,
    }],
    jwks: { keys: [rsa, ec] },
    scopes: [SCOPE],
    ttl: { ClientCredentials: 600 },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({ scope: SCOPE, audience: RESOURCE, accessTokenFormat: "jwt", accessTokenTTL: 600, jwt: { sign: { alg: "ES256" } } }),
      },
    },
  });
  createServer(provider.callback()).listen(port, "127.0.0.1", () => console.log("ready"));
}
