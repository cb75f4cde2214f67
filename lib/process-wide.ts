// One instance per process, even when a module is loaded twice. The web app's server loads the
// framework-free core once through Node (the fast path for machine endpoints,
// scripts/start/fast-path.ts) and Next.js bundles it again for the pages, so module-level state
// would exist twice: two sets of rate-limit buckets would double every budget that both copies
// count (docs/architecture.md, "Web server"). State kept here is found by both copies.
const registry = globalThis as unknown as Record<symbol, unknown>;

/** The process's one value under `name`, created by `create` on first use. */
export function processWide<T>(name: string, create: () => T): T {
  const key = Symbol.for(`agent-grants:${name}`);
  if (!(key in registry)) registry[key] = create();
  return registry[key] as T;
}
