export * from "./proof";
export * from "./replay";
export * from "./nonce";
export * from "./thumbprint";
