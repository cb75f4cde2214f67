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

export interface ParsedArgs {
  positional: string[];
  flags: Record<string, string>;
}

/**
 * Splits `a b --role admin --x=y` into positionals and flags. Only the flags named in
 * `allowed` are accepted; `expected` is the exact number of positionals.
 */
export function parseArgs(args: string[], expected: number, allowed: string[] = []): ParsedArgs {
  const positional: string[] = [];
  const flags: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith("--")) {
      positional.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2);
    if (!allowed.includes(name)) throw new UsageError(`Unknown option --${name}.`);
    const value = inline ?? args[++i];
    if (value === undefined || value === "") throw new UsageError(`Option --${name} needs a value.`);
    if (name in flags) throw new UsageError(`Option --${name} given twice.`);
    flags[name] = value;
  }
  if (positional.length !== expected) {
    throw new UsageError(`Expected ${expected} argument${expected === 1 ? "" : "s"}, got ${positional.length}.`);
  }
  return { positional, flags };
}
