// The admin CLI's command registry and dispatcher (scripts/admin.ts is the thin entry point).
// To add a command: write an AdminCommand and add ONE line to COMMANDS.
import { ConfigError } from "../config";
import type { Deps } from "../deps";
import { UserError } from "../auth/users";
import { UsageError, type AdminCommand } from "./command";
import { createUserCommand, listUsersCommand, revokeAccountCommand, setRoleCommand } from "./user-commands";
import { createClientCommand } from "./create-client";
import { disableCibaCommand, enableCibaCommand, revokeClientCommand } from "./client-access";
import { rotateKeysCommand } from "./rotate-keys";
import { errorMessage } from "../error-message";

export const COMMANDS: AdminCommand[] = [
  createUserCommand,
  setRoleCommand,
  revokeAccountCommand,
  listUsersCommand,
  createClientCommand,
  enableCibaCommand,
  disableCibaCommand,
  revokeClientCommand,
  rotateKeysCommand,
];

export interface AdminResult {
  code: 0 | 1 | 2;
  stdout: string;
  stderr: string;
}

export function usageText(): string {
  const lines = COMMANDS.map((c) => `  npm run admin -- ${c.name}${c.usage ? ` ${c.usage}` : ""}\n      ${c.summary}`);
  return `Usage:\n${lines.join("\n")}`;
}

/** Runs one command line. `deps` is called only when a command runs (help needs no database). */
export async function runAdmin(argv: string[], deps: () => Promise<Deps> | Deps): Promise<AdminResult> {
  const [name, ...args] = argv;
  if (!name || name === "help" || name === "--help" || name === "-h") return { code: name ? 0 : 2, stdout: name ? usageText() : "", stderr: name ? "" : usageText() };
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) return { code: 2, stdout: "", stderr: `Unknown command "${name}".\n\n${usageText()}` };
  try {
    return { code: 0, stdout: await command.run(args, await deps()), stderr: "" };
  } catch (err) {
    if (err instanceof UsageError) {
      return { code: 2, stdout: "", stderr: `${err.message}\nUsage: npm run admin -- ${command.name}${command.usage ? ` ${command.usage}` : ""}` };
    }
    if (err instanceof UserError || err instanceof ConfigError) return { code: 1, stdout: "", stderr: err.message };
    if ((err as { code?: unknown }).code === "P2021") {
      return { code: 1, stdout: "", stderr: "The database has no tables yet. Run `npm run db:migrate` (or start the app once with `npm start`) first." };
    }
    return { code: 1, stdout: "", stderr: `${command.name} failed: ${errorMessage(err)}` };
  }
}
