// The first module of a write thread (./write-thread.ts). On Node 20 a worker does not inherit
// the parent's module hooks, so the TypeScript entry is loaded through tsx's import API.
import { workerData } from "node:worker_threads";
import { tsImport } from "tsx/esm/api";

await tsImport(workerData.entry, import.meta.url);
