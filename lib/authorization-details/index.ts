export * from "./messaging";
export * from "./narrowing";
export * from "./phone";
export * from "./words";
export * from "./quota";
