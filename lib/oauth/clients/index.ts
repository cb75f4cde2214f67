export { authenticateClient, presentedCredentials } from "./authenticate";
export { findClient } from "./find";
export { loadClient, clientAllowsGrant, type ClientRecord, type ClientKind, type TokenEndpointAuthMethod } from "./store";
export { ensureServiceClient } from "./service-client";
export { ClientMetadataError, isMetadataDocumentClientId } from "./metadata-document";
export { hashClientSecret, secretMatches, generateClientSecret } from "./secrets";
export { redirectUriMatches } from "./redirect-uri";
