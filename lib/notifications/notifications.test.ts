import { createServer, type IncomingMessage } from "node:http";
import { createHmac } from "node:crypto";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../db/client";
import { testDatabases } from "../../tests/harness/databases";
import { testDeps } from "../../tests/harness/test-deps";
import { notifyUser, type Notifier } from "./index";

describe.each(testDatabases())("notifications on $name", (target) => {
  let db: Db;
  let userId: string;
  const received: { headers: IncomingMessage["headers"]; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      received.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  let url = "";

  beforeAll(async () => {
    db = await target.open();
    userId = (await db.user.create({ data: { email: "n@example.com", passwordHash: "x" } })).id;
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  afterAll(async () => {
    server.close();
    await target.close();
  });

  const note = { title: "Trip Planner asks for your approval", body: "“Trip 42” · Send up to 3 messages", link: "/consent/abc" };

  it("the sandbox channel stores the notification for the app to show; a configured webhook gets it signed", async () => {
    const deps = testDeps(db, { issuerUrl: "http://localhost:3000", notificationWebhook: { url, secret: "hook-secret" } });
    await notifyUser(deps, { userId, ...note });
    const stored = await db.notification.findMany({ where: { userId } });
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ channel: "sandbox", title: note.title, link: "/consent/abc" });
    expect(received).toHaveLength(1);
    const payload = JSON.parse(received[0]!.body);
    expect(payload).toMatchObject({ type: "authorization_pending", user: "n@example.com", link: "http://localhost:3000/consent/abc" });
    expect(received[0]?.headers["x-signature"]).toBe(`sha256=${createHmac("sha256", "hook-secret").update(received[0]!.body).digest("hex")}`);
  });

  it("a failing channel does not stop the others or the caller", async () => {
    const broken: Notifier = { channel: "broken", send: async () => Promise.reject(new Error("down")) };
    const deps = testDeps(db);
    const before = await db.notification.count();
    await expect(notifyUser(deps, { userId, ...note }, [broken, (await import("./sandbox")).sandboxNotifier])).resolves.toBeUndefined();
    expect(await db.notification.count()).toBe(before + 1);
  });
});
