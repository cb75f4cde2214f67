export * from "./access-token";
export * from "./claims";
export * from "./refresh-token";
export * from "./verify";
