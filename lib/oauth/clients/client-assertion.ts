// private_key_jwt (RFC 7523 section 3, RFC 7521 section 4.2): the client signs a JWT with
// iss = sub = client_id, aud = the issuer identifier, a short exp and a unique jti.
// Each jti is accepted once (replay through the shared SeenJti table).
//
// The audience is the issuer identifier and nothing else, as one string (the update of RFC 7523
// for client authentication, draft-ietf-oauth-rfc7523bis section 4: aud MUST be the issuer
// identifier and single-valued). An assertion addressed to an endpoint URL, or to several
// audiences, could have been made for (and be replayed by) another server that shares a URL
// with ours or that the client also talks to; only the issuer identifier names this one.
import { createLocalJWKSet, decodeJwt, jwtVerify, errors as joseErrors, type JSONWebKeySet } from "jose";
import type { Deps } from "../../deps";
import { OAuthError } from "../errors";
import { dbReplayStore } from "../dpop/replay";
import { CLIENT_ASSERTION_ALGS } from "../supported";
import { remoteJwks } from "./remote-jwks";
import { findClient } from "./find";
import type { ClientRecord } from "./store";

/** An assertion may not claim a lifetime longer than this (limits the replay store). */
const MAX_ASSERTION_LIFETIME_SECONDS = 3600;
const CLOCK_SKEW_SECONDS = 30;

const fail = (description: string) => new OAuthError("invalid_client", description, { status: 401 });

export async function verifyClientAssertion(
  deps: Deps,
  assertion: string,
  { claimedClientId }: { claimedClientId?: string },
): Promise<ClientRecord> {
  let unverifiedIss: unknown;
  try {
    unverifiedIss = decodeJwt(assertion).iss;
  } catch {
    throw fail("client_assertion is not a JWT");
  }
  if (typeof unverifiedIss !== "string" || (claimedClientId && claimedClientId !== unverifiedIss)) {
    throw fail("client_assertion iss must be the client_id");
  }
  const client = await findClient(deps, unverifiedIss).catch(() => null);
  const jwksUri = typeof client?.metadata.jwks_uri === "string" ? client.metadata.jwks_uri : null;
  if (!client || client.tokenEndpointAuthMethod !== "private_key_jwt" || (!client.jwks?.keys?.length && !jwksUri)) throw fail("unknown client");

  const now = deps.now();
  const verify = (jwks: JSONWebKeySet) =>
    jwtVerify(assertion, createLocalJWKSet(jwks), {
      algorithms: CLIENT_ASSERTION_ALGS,
      issuer: client.id,
      subject: client.id,
      audience: deps.config.issuerUrl,
      currentDate: now,
      clockTolerance: CLOCK_SKEW_SECONDS,
      requiredClaims: ["exp", "jti"],
    });
  let payload;
  try {
    if (client.jwks?.keys?.length) ({ payload } = await verify(client.jwks));
    else {
      try {
        ({ payload } = await verify(await remoteJwks(deps, jwksUri!)));
      } catch (err) {
        // The client may have rotated its keys: refetch once (rate-limited) and retry.
        if (!(err instanceof joseErrors.JWKSNoMatchingKey)) throw err;
        ({ payload } = await verify(await remoteJwks(deps, jwksUri!, { refresh: true })));
      }
    }
  } catch (err) {
    const reason = err instanceof joseErrors.JOSEError ? err.code : "keys unavailable";
    throw fail(`client_assertion rejected (${reason})`);
  }
  if (typeof payload.aud !== "string") throw fail("client_assertion aud must be the issuer identifier, as a single string");
  const nowSec = Math.floor(now.getTime() / 1000);
  if (payload.exp! - nowSec > MAX_ASSERTION_LIFETIME_SECONDS) throw fail("client_assertion lives too long");
  const fresh = await dbReplayStore(deps.db, `client_assertion:${client.id}`).use(
    String(payload.jti),
    new Date((payload.exp! + CLOCK_SKEW_SECONDS) * 1000),
    now,
  );
  if (!fresh) throw fail("client_assertion was already used");
  return client;
}
