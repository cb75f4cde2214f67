export * from "./create";
export * from "./revoke";
export * from "./status";
export * from "./queries";
export * from "./entries";
