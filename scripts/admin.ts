// The admin CLI: `npm run admin -- <command> [arguments]`. Commands live in lib/admin/commands.ts.
// It works on the database named by DATABASE_URL / DATA_DIR, as the running app does.
import { runAdmin } from "../lib/admin/commands";
import { db } from "../lib/db";
import { appDeps } from "../lib/deps";

let opened = false;
const result = await runAdmin(process.argv.slice(2), () => {
  const deps = appDeps();
  opened = true;
  return deps;
});
if (opened) await db().$disconnect();
if (result.stdout) process.stdout.write(`${result.stdout}\n`);
if (result.stderr) process.stderr.write(`${result.stderr}\n`);
process.exit(result.code);
