// Admin CLI commands for user accounts. Each change is audited as the admin CLI's doing.
import { revokeAccount } from "../auth/account-revocation";
import { ADMIN_CLI_ACTOR, createUser, listUsers, parseRole, ROLES, setRole } from "../auth/users";
import { parseArgs, type AdminCommand } from "./command";

export const createUserCommand: AdminCommand = {
  name: "create-user",
  usage: `<email> <password> [--role ${ROLES.join("|")}]`,
  summary: "Create an account (role user unless given). Give - as the password to read it from standard input.",
  async run(args, deps) {
    const { positional, flags } = parseArgs(args, 2, ["role"]);
    const [email, passwordArg] = positional;
    const password = passwordArg === "-" ? await readStdin() : passwordArg;
    const role = parseRole(flags.role ?? "user");
    const user = await createUser(deps.db, { email, password, role }, ADMIN_CLI_ACTOR, deps.now());
    return `Created ${user.email} with role ${user.role} (id ${user.id}).`;
  },
};

export const setRoleCommand: AdminCommand = {
  name: "set-role",
  usage: `<email> <${ROLES.join("|")}>`,
  summary: "Change a user's role. Takes effect on their next page load.",
  async run(args, deps) {
    const [email, role] = parseArgs(args, 2).positional;
    const result = await setRole(deps.db, email, role, ADMIN_CLI_ACTOR, deps.now());
    return result.changed
      ? `Changed the role of ${result.user.email} from ${result.previousRole} to ${result.user.role}.`
      : `${result.user.email} already has the role ${result.user.role}; nothing changed.`;
  },
};

export const revokeAccountCommand: AdminCommand = {
  name: "revoke-account",
  usage: "<email>",
  summary: "Disable an account, end its browser sessions and revoke every grant it gave.",
  async run(args, deps) {
    const [email] = parseArgs(args, 1).positional;
    const result = await revokeAccount(deps.db, email, ADMIN_CLI_ACTOR, deps.now());
    const grants = `${result.grantsRevoked} active grant${result.grantsRevoked === 1 ? "" : "s"} revoked`;
    return result.newlyDisabled
      ? `Disabled ${result.user.email}; signed-in sessions ended; ${grants}.`
      : `${result.user.email} was already disabled; sessions ended again; ${grants}.`;
  },
};

export const listUsersCommand: AdminCommand = {
  name: "list-users",
  usage: "",
  summary: "List every account with its role and status.",
  async run(args, deps) {
    parseArgs(args, 0);
    const users = await listUsers(deps.db);
    if (users.length === 0) return "No users yet. Create one with: npm run admin -- create-user <email> <password>";
    const rows = users.map((u) => [u.email, u.role, u.disabledAt ? "disabled" : "active", u.createdAt.toISOString()]);
    return table([["EMAIL", "ROLE", "STATUS", "CREATED"], ...rows]);
  },
};

function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  ").trimEnd()).join("\n");
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "");
}
