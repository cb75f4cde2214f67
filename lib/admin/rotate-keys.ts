// `npm run admin -- rotate-keys`: publish a new signing key now; it signs after the lead time
// (so verifiers' cached key sets learn it first), and the old keys stay published until every
// token they signed has expired. Audited as key.rotated.
import { PUBLISH_LEAD_SECONDS, rotateSigningKeys } from "../oauth/keys";
import { parseArgs, UsageError, type AdminCommand } from "./command";

export const rotateKeysCommand: AdminCommand = {
  name: "rotate-keys",
  usage: `[--activate-in <seconds, default ${PUBLISH_LEAD_SECONDS}>]`,
  summary: "Rotate the token signing key: the new key is published at once and signs after the lead time.",
  async run(args, deps) {
    const { flags } = parseArgs(args, 0, ["activate-in"]);
    const lead = flags["activate-in"] === undefined ? PUBLISH_LEAD_SECONDS : Number(flags["activate-in"]);
    if (!Number.isInteger(lead) || lead < 0 || lead > 30 * 24 * 3600) throw new UsageError("--activate-in must be a whole number of seconds (0 to 2592000).");
    const result = await rotateSigningKeys(deps, { activateInSeconds: lead, reason: "admin rotate-keys" });
    const retired = result.retired.length ? `Retired (still published until their tokens expire): ${result.retired.join(", ")}.` : "No previous key.";
    return `New signing key ${result.kid} published; it signs from ${result.activatesAt.toISOString()}.\n${retired}`;
  },
};
