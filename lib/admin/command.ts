// The shape of an admin CLI command, and the small argument parser they share.
import type { Deps } from "../deps";

export interface AdminCommand {
  name: string;
  /** Arguments after the name, e.g. "<email> <password> [--role user|auditor|admin]". */
  usage: string;
  summary: string;
  /** Returns what to print. Throws UsageError for bad arguments (exit code 2). */
  run(args: string[], deps: Deps): Promise<string>;
}

/** Wrong arguments: the CLI prints the message and the command's usage, and exits with 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** A tuple of exactly N strings, so `const [a, b] = parseArgs(args, 2).positional` types a and b as strings. */
export type Positionals<N extends number, Acc extends string[] = []> = number extends N
  ? string[]
  : Acc["length"] extends N
    ? Acc
    : Positionals<N, [...Acc, string]>;

export interface ParsedArgs<N extends number = number> {
  positional: Positionals<N>;
  flags: Record<string, string>;
}

/**
 * Splits `a b --role admin --x=y` into positionals and flags. Only the flags named in
 * `allowed` are accepted; `expected` is the exact number of positionals.
 */
export function parseArgs<N extends number>(args: string[], expected: N, allowed: string[] = []): ParsedArgs<N> {
  const positional: string[] = [];
  const flags: Record<string, string> = {};
  const rest = args.values();
  for (const arg of rest) {
    if (!arg.startsWith("--")) {
      positional.push(arg);
      continue;
    }
    // split with a capture group always yields the part before "=" (possibly "").
    const [name = "", inline] = arg.slice(2).split(/=(.*)/s, 2);
    if (!allowed.includes(name)) throw new UsageError(`Unknown option --${name}.`);
    const value = inline ?? rest.next().value;
    if (value === undefined || value === "") throw new UsageError(`Option --${name} needs a value.`);
    if (name in flags) throw new UsageError(`Option --${name} given twice.`);
    flags[name] = value;
  }
  if (positional.length !== expected) {
    throw new UsageError(`Expected ${expected} argument${expected === 1 ? "" : "s"}, got ${positional.length}.`);
  }
  // The length was just checked, so the array is the N-tuple the type promises.
  return { positional: positional as Positionals<N>, flags };
}
