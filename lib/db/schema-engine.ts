// Prisma's own schema engine, run in-process from its WebAssembly build. The native engine
// the Prisma CLI uses is a download that offline machines cannot make; this is the same
// engine, so migrations and the `_prisma_migrations` bookkeeping stay identical to
// `prisma migrate deploy`.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";

export interface SchemaEngineApi {
  applyMigrations(input: unknown): Promise<{ appliedMigrationNames: string[] }>;
  diagnoseMigrationHistory(input: unknown): Promise<{ history: unknown; failedMigrationNames: string[]; editedMigrationNames: string[] }>;
  diff(input: unknown): Promise<{ exitCode: number; stdout?: string }>;
  free(): void;
}

let wasmReady: Promise<{ SchemaEngine: { new: (o: unknown, log: (m: string) => void, a: object) => Promise<SchemaEngineApi> } }> | undefined;

async function loadWasm() {
  const require = createRequire(import.meta.url);
  const bgPath = require.resolve("@prisma/schema-engine-wasm/schema_engine_bg");
  const dir = path.dirname(bgPath);
  // The package's entry imports the .wasm file as a module, which Node refuses; bind it by hand.
  const bg = await import(pathToFileURL(bgPath).href);
  const bytes = await readFile(path.join(dir, "schema_engine_bg.wasm"));
  const { instance } = await WebAssembly.instantiate(bytes, { "./schema_engine_bg.js": bg });
  bg.__wbg_set_wasm(instance.exports);
  (instance.exports as { __wbindgen_start: () => void }).__wbindgen_start();
  return bg;
}

/**
 * Opens the engine on a database. `close()` frees the engine AND the connections it opened:
 * freeing the engine alone leaves them open, and on SQLite an open connection can keep the
 * file locked for a moment after the last migration committed.
 */
export async function openSchemaEngine(
  schemaPath: string,
  adapter: SqlMigrationAwareDriverAdapterFactory,
  log: (line: string) => void = () => {},
): Promise<SchemaEngineApi & { close(): Promise<void> }> {
  wasmReady ??= loadWasm();
  const { SchemaEngine } = await wasmReady;
  const schema = await readFile(schemaPath, "utf8");
  const opened: SqlDriverAdapter[] = [];
  const tracked = Object.create(adapter) as SqlMigrationAwareDriverAdapterFactory;
  tracked.connect = async () => {
    const connection = await adapter.connect();
    opened.push(connection);
    return connection;
  };
  tracked.connectToShadowDb = async () => {
    const connection = await adapter.connectToShadowDb();
    opened.push(connection);
    return connection;
  };
  const engine = await SchemaEngine.new({ datamodels: [[schemaPath, schema]] }, log, bindMigrationAwareSqlAdapterFactory(tracked));
  return Object.assign(engine, {
    async close() {
      engine.free();
      await Promise.allSettled(opened.map((c) => c.dispose()));
    },
  });
}
