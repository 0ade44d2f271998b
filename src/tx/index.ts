export * from "./amount.ts";
export * from "./layout.ts";
export * from "./operation.ts";
export * from "./full-operation.ts";
export * from "./bytes.ts";
