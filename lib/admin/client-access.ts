// Admin CLI commands that decide what a registered client may do: CIBA on or off, and revoking
// the client altogether (docs/ciba.md, "Client control"). Audited as the admin CLI's doing.
import { ADMIN_CLI_ACTOR } from "../auth/users";
import { ClientControlError, revokeClient, setCibaEnabled } from "../oauth/clients/control";
import { parseArgs, type AdminCommand } from "./command";

/** An operator's mistake (unknown client, wrong kind of client): exit code 1 with the reason. */
async function refusalAsError<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof ClientControlError) throw new Error(err.message);
    throw err;
  }
}

function cibaCommand(enabled: boolean): AdminCommand {
  return {
    name: enabled ? "enable-ciba" : "disable-ciba",
    usage: "<client_id>",
    summary: enabled
      ? "Allow a confidential client registered for CIBA to send approval prompts (backchannel requests) to users."
      : "Stop a client's CIBA prompts; its pending CIBA requests can no longer be collected.",
    async run(args, deps) {
      const [clientId] = parseArgs(args, 1).positional;
      const { changed } = await refusalAsError(() => setCibaEnabled(deps.db, clientId, enabled, ADMIN_CLI_ACTOR, deps.now()));
      const state = enabled ? "enabled" : "disabled";
      return changed ? `CIBA ${state} for client ${clientId}.` : `CIBA was already ${state} for client ${clientId}; nothing changed.`;
    },
  };
}

export const enableCibaCommand = cibaCommand(true);
export const disableCibaCommand = cibaCommand(false);

export const revokeClientCommand: AdminCommand = {
  name: "revoke-client",
  usage: "<client_id>",
  summary: "Disable a client: it can no longer authenticate, and every grant and token it holds stops working at the next call.",
  async run(args, deps) {
    const [clientId] = parseArgs(args, 1).positional;
    const r = await refusalAsError(() => revokeClient(deps.db, clientId, ADMIN_CLI_ACTOR, deps.now()));
    const what = `${r.grantsRevoked} grant${r.grantsRevoked === 1 ? "" : "s"}, ${r.refreshTokens} refresh and ${r.accessTokens} access token${r.accessTokens === 1 ? "" : "s"} revoked`;
    return r.newlyRevoked ? `Revoked client ${clientId}; ${what}.` : `Client ${clientId} was already revoked; ${what}.`;
  },
};
