export { signJwt, publicJwks } from "./sign";
export { ensureSigningKeys, rotateSigningKeys, type RotationResult } from "./rotate";
export { MAX_SIGNED_LIFETIME_SECONDS, PUBLISH_LEAD_SECONDS, SIGNING_ALG } from "./store";
