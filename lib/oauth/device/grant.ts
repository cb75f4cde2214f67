// The device code grant at the token endpoint (RFC 8628 section 3.4-3.5):
// grant_type=urn:ietf:params:oauth:grant-type:device_code&device_code=...; the same polling
// answers as CIBA (authorization_pending, slow_down, access_denied, expired_token).
import { GRANT_TYPES } from "../supported";
import { redeemOutOfBandRequest, type OutOfBandGrantContext } from "../ciba/grant";

export function handleDeviceCodeGrant(ctx: OutOfBandGrantContext): Promise<Response> {
  return redeemOutOfBandRequest(ctx, { flow: "device", handleParam: "device_code", grantType: GRANT_TYPES.deviceCode });
}
