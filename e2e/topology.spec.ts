// The scaled-out topology on PostgreSQL (docs/deployment.md): 2 web app instances and 2 MCP
// server instances behind haproxy, one database. Through the proxy: sign-in and consent in the
// browser, tokens, tool calls spread over both MCP instances. Then a revocation at one web
// instance is denied at both MCP instances; one MCP instance is killed (-9) mid-load without
// losing an audit entry, sending a message twice or overspending the quota; and the leader of
// singleton work is killed (-9) and checkpoints resume from the new leader.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { checkMessageEntries } from "../lib/audit/messages-check";
import { loadConfig } from "../lib/config";
import { createDb, type Db } from "../lib/db/client";
import { startRecordingServer, type RecordingServer } from "../lib/messaging/providers/recording-server";
import { startCluster, type Cluster, type Instance } from "./cluster";
import { adminCli, expect, test } from "./fixtures";
import { authorizeAgent, type Agent, type ToolResult } from "./mcp-agent";

const run = promisify(execFile);
const ALLOWED = "+15550100123";

test.describe("scaled-out topology behind haproxy", () => {
  test.skip(({ stack }) => stack.name !== "postgresql", "runs on PostgreSQL only (TEST_DATABASE_URL)");
  test.describe.configure({ timeout: 240_000 });

  let cluster: Cluster;
  let provider: RecordingServer;
  let db: Db;
  const servedBy: string[] = [];
  // Records which MCP instance answered each call (haproxy's X-Served-By).
  const recordingFetch: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    const by = res.headers.get("x-served-by");
    if (by && new URL(input instanceof Request ? input.url : String(input)).pathname === "/mcp") servedBy.push(by);
    return res;
  };

  test.beforeAll(async ({ stack }) => {
    if (stack.name !== "postgresql") return;
    // Four instances start at once; on a busy 2-core machine that takes a while.
    test.setTimeout(300_000);
    provider = await startRecordingServer();
    const base = Number(process.env.E2E_PORT ?? 3100) + 20;
    cluster = await startCluster({
      basePort: base,
      postgresUrl: process.env.TEST_DATABASE_URL!,
      databaseName: `agentgrants_topo_${base}`,
      web: 2,
      mcp: 2,
      env: { MESSAGING_PROVIDER: "webhook", MESSAGING_WEBHOOK_URL: `${provider.url}/send` },
    });
    db = createDb(cluster.databaseUrl);
  });
  test.afterAll(async () => {
    test.setTimeout(60_000);
    await db?.$disconnect();
    await cluster?.stop();
    await provider?.close();
  });

  const readiness = async (i: Instance) => (await (await fetch(i.readyUrl)).json()) as { status: string; leaders?: Record<string, { leader: boolean; holder: string | null }> };

  /** A client of one MCP instance, bypassing the proxy, with the agent's tokens. */
  async function directClient(agent: Agent, instance: Instance): Promise<Client> {
    const client = new Client({ name: "e2e-direct", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${instance.url}/mcp`), { authProvider: agent.provider }));
    return client;
  }
  const denied = async (client: Client): Promise<boolean> => {
    try {
      return ((await client.callTool({ name: "describe_grant", arguments: {} })) as ToolResult).isError === true;
    } catch {
      return true; // a 401 for the revoked token is a denial too
    }
  };

  test("consent, tokens and calls through the proxy; revocation, kill -9 of an MCP instance and of the leader", async ({ page }) => {
    const [web1] = cluster.web;
    const [mcp1, mcp2] = cluster.mcp;
    if (!web1 || !mcp1 || !mcp2) throw new Error("the cluster runs two web and two MCP instances");
    const user = { email: `topo-${Date.now()}@example.com`, password: `pw-${Date.now()}-topology` };
    await adminCli(cluster.env, "create-user", user.email, user.password);
    await page.goto(`${cluster.issuerUrl}/signin`);
    await page.getByLabel("Email").fill(user.email);
    await page.getByLabel("Password").fill(user.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).not.toHaveURL(/\/signin/);

    // 1. Two agents authorized through the proxy (consent in the browser, tokens from the issuer).
    const a = await authorizeAgent(page, cluster.mcpUrl, { recipients: [ALLOWED], max: 100 }, { fetch: recordingFetch });
    const quota = 30;
    const b = await authorizeAgent(page, cluster.mcpUrl, { recipients: [ALLOWED], max: quota }, { fetch: recordingFetch });

    // 2. Calls spread over both MCP instances.
    servedBy.length = 0;
    for (let i = 0; i < 6; i++) expect((await a.call("describe_grant")).isError).toBeFalsy();
    expect(new Set(servedBy)).toEqual(new Set(["mcp-1", "mcp-2"]));

    // 3. A revocation at web-1 (RFC 7009, the refresh token ends the grant) is denied at both MCP instances.
    const [m1, m2] = [await directClient(a, mcp1), await directClient(a, mcp2)];
    expect(await denied(m1)).toBe(false);
    expect(await denied(m2)).toBe(false);
    const revoke = await fetch(`${web1.url}/oauth/revoke`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: a.provider.tokens()!.refresh_token!, token_type_hint: "refresh_token", client_id: a.provider.clientInformation()!.client_id }),
    });
    expect(revoke.status).toBe(200);
    await expect.poll(() => denied(m1)).toBe(true);
    await expect.poll(() => denied(m2)).toBe(true);
    await Promise.all([m1.close(), m2.close()]);

    // 4. Load on both MCP instances; kill -9 mcp-1 after a few calls. More calls than the quota.
    servedBy.length = 0;
    const outcomes: ("ok" | "quota" | "failed")[] = [];
    let started = 0;
    const attempts = quota + 15;
    let killed = false;
    const worker = async () => {
      while (started < attempts) {
        started++;
        if (started === 10 && !killed) {
          killed = true;
          void cluster.kill(mcp1);
        }
        try {
          const r = await b.call("send_message", { to: ALLOWED, body: `load ${started}` });
          outcomes.push(!r.isError ? "ok" : r.structuredContent?.error === "quota_exhausted" ? "quota" : "failed");
        } catch {
          outcomes.push("failed"); // in flight at the killed instance: its outcome is unknown to the agent
        }
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    // The other instance keeps serving: after the kill, calls succeed there.
    const after = await b.call("describe_grant");
    expect(after.isError).toBeFalsy();
    expect(servedBy.at(-1)).toBe("mcp-2");
    expect(outcomes.filter((o) => o === "ok").length).toBeGreaterThan(0);

    // The quota is exact: every message the grant allowed was sent, none more.
    const grant = await db.grant.findUniqueOrThrow({ where: { id: b.grantId }, include: { entries: true } });
    const messages = await db.message.findMany({ where: { grantId: b.grantId }, select: { id: true, status: true } });
    expect(grant.entries[0]?.used).toBe(quota);
    expect(messages).toHaveLength(quota);
    // Each message reached the provider exactly once.
    await expect.poll(() => messages.filter((m) => m.status !== "delivered").length === 0 || null, { timeout: 5_000 }).toBeTruthy();
    const keys = provider.requests.filter((r) => r.url === "/send").map((r) => String(r.headers["idempotency-key"]));
    const bKeys = keys.filter((k) => messages.some((m) => m.id === k));
    expect(bKeys.length).toBe(quota);
    expect(new Set(keys).size).toBe(keys.length);
    // No audit entry lost: every delivered message has its entry, and the chain verifies.
    expect((await checkMessageEntries(db, loadConfig(cluster.env).auditHmacKey)).ok).toBe(true);
    await run(process.execPath, ["--import", "tsx", "scripts/audit-verify.ts", "--messages"], { env: { ...process.env, ...cluster.env } });

    // 5. kill -9 the leader of singleton work: the other web instance takes over and signs checkpoints.
    const ready = await readiness(web1);
    const holder = ready.leaders?.["audit checkpoint"]?.holder;
    const leader = cluster.web.find((w) => w.name === holder)!;
    const follower = cluster.web.find((w) => w !== leader)!;
    expect(leader, `a web instance leads the checkpoint signer (${holder})`).toBeDefined();
    expect((await readiness(leader)).leaders?.["audit checkpoint"]?.leader).toBe(true);
    const killedAt = new Date();
    await cluster.kill(leader);
    await expect.poll(async () => (await readiness(follower)).leaders?.["audit checkpoint"]).toEqual({ leader: true, holder: follower.name });
    // Something new to sign (an audited action through the proxy), then a checkpoint by the new leader.
    await adminCli(cluster.env, "create-user", `after-${Date.now()}@example.com`, `pw-${Date.now()}-after-kill`);
    await expect.poll(async () => (await db.auditCheckpoint.findFirst({ orderBy: { id: "desc" } }))?.signedAt.getTime() ?? 0, { timeout: 15_000 }).toBeGreaterThan(killedAt.getTime());
    expect(follower.output.some((l) => l.includes(`${follower.name} leads "audit checkpoint"`))).toBe(true);
    await run(process.execPath, ["--import", "tsx", "scripts/audit-verify.ts"], { env: { ...process.env, ...cluster.env } });

    // 6. SIGTERM: readiness turns red first (the proxy stops sending), then the instance exits 0.
    const exit = cluster.terminate(mcp2);
    await expect.poll(async () => (await fetch(mcp2.readyUrl).catch(() => null))?.status ?? "closed").toBe(503);
    expect(await exit).toBe(0);
    expect(await cluster.terminate(follower)).toBe(0);
    expect(follower.output.some((l) => l.includes(`${follower.name} no longer leads "audit checkpoint" (shutting down)`))).toBe(true);
  });
});
