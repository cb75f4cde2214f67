// GET /api/audit/checkpoints: the signed checkpoints of the chain head, latest first, with
// the public key that verifies them. Public on purpose: anyone may copy them, and a copy kept
// outside the database is what later proves the log was not cut short
// (npm run audit:verify -- --checkpoints <file>).
import type { Deps } from "../deps";
import { listCheckpoints } from "./checkpoint";
import type { CheckpointSigner } from "./checkpoint-signer";

export async function handleCheckpoints(req: Request, deps: Deps, signer: CheckpointSigner): Promise<Response> {
  const limitParam = new URL(req.url).searchParams.get("limit");
  const limit = limitParam === null ? 100 : Number(limitParam);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    return new Response(JSON.stringify({ error: "invalid_request", error_description: "limit must be an integer from 1 to 1000" }), {
      status: 400,
      headers: { "Content-Type": "application/json", "Cache-Control": "no-store" },
    });
  }
  const rows = await listCheckpoints(deps.db, limit);
  const body = {
    key: await signer.publicJwk(),
    checkpoints: rows.map((c) => ({ seq: c.seq, head_hash: c.headHash, signed_at: c.signedAt.toISOString(), jws: c.jws })),
  };
  return new Response(JSON.stringify(body), {
    headers: { "Content-Type": "application/json", "Cache-Control": "no-store", "Access-Control-Allow-Origin": "*" },
  });
}
