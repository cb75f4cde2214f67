import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../db/client";
import { testDatabases } from "../../tests/harness/databases";
import { durationInWords, listPendingRequests, requestInWords } from "./list";
import { pendingStreamResponse, type PendingSnapshot } from "./feed";
import { watchSession } from "../auth/session-watch";

describe("pending requests in words", () => {
  it("say what is asked, the scopes the details do not cover, and for how long", () => {
    const details = JSON.stringify([{ type: "messaging", actions: ["send"], recipients: ["+15550100123"], max_messages: 3 }]);
    expect(requestInWords({ authorizationDetails: details, scope: "messages:send messages:read", requestedExpiry: 3600 })).toEqual([
      "Send up to 3 messages to +1 555-010-0123",
      "See the status of messages it sent",
      "For 1 hour",
    ]);
    const open = JSON.stringify([{ type: "messaging", actions: ["send"], recipients: [] }]);
    expect(requestInWords({ authorizationDetails: open, scope: "messages:send", requestedExpiry: null })).toEqual(["Send messages to recipients you choose"]);
  });

  it("name durations", () => {
    expect(durationInWords(1800)).toBe("30 minutes");
    expect(durationInWords(86_400 * 2)).toBe("2 days");
    // The same words as the consent page (lib/consent/view-model.ts uses the same function).
    expect(durationInWords(5400)).toBe("1 hour 30 minutes");
    expect(durationInWords(3599)).toBe("1 hour");
    expect(durationInWords(45)).toBe("45 seconds");
  });
});

async function readEvents(res: Response, count: number, timeoutMs: number): Promise<PendingSnapshot[]> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const events: PendingSnapshot[] = [];
  let buffer = "";
  const deadline = Date.now() + timeoutMs;
  while (events.length < count && Date.now() < deadline) {
    const chunk = await Promise.race([reader.read(), new Promise<null>((r) => setTimeout(() => r(null), deadline - Date.now()))]);
    if (!chunk || chunk.done) break;
    buffer += decoder.decode(chunk.value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = block.split("\n").find((l) => l.startsWith("data: "));
      if (block.includes("event: snapshot") && data) events.push(JSON.parse(data.slice(6)));
    }
  }
  reader.releaseLock();
  return events;
}

describe.each(testDatabases())("pending feed on $name", (target) => {
  let db: Db;
  let userId: string;
  beforeAll(async () => {
    db = await target.open();
    userId = (await db.user.create({ data: { email: "p@example.com", passwordHash: "x" } })).id;
    await db.client.create({ data: { id: "agent", kind: "dynamic", name: "Helper Bot" } });
  });
  afterAll(() => target.close());

  const addRequest = (extra: Record<string, unknown> = {}) =>
    db.authorizationRequest.create({
      data: {
        flow: "ciba",
        clientId: "agent",
        userId,
        resource: "http://localhost:3001/mcp",
        scope: "messages:send",
        authorizationDetails: JSON.stringify([{ type: "messaging", actions: ["send"], recipients: ["+15550100123"] }]),
        bindingMessage: "Order 7",
        expiresAt: new Date(Date.now() + 60_000),
        ...extra,
      },
    });

  it("lists only the user's live, undecided out-of-band requests, with the agent's name and a Review link", async () => {
    const live = await addRequest();
    await addRequest({ status: "denied" });
    await addRequest({ expiresAt: new Date(Date.now() - 1000) });
    await addRequest({ flow: "authorize" });
    const items = await listPendingRequests(db, userId);
    expect(items.map((i) => i.id)).toEqual([live.id]);
    expect(items[0]).toMatchObject({ agent: "Helper Bot", bindingMessage: "Order 7", reviewUrl: `/consent/${live.id}` });
    await db.authorizationRequest.update({ where: { id: live.id }, data: { status: "approved" } });
  });

  it("streams a new snapshot within two seconds of a new request, and stops when the client goes away", async () => {
    const abort = new AbortController();
    const res = pendingStreamResponse(db, userId, abort.signal, { intervalMs: 200 });
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const [first] = await readEvents(res, 1, 2000);
    expect(first?.pending).toEqual([]);
    const started = Date.now();
    const created = await addRequest({ bindingMessage: "Live 9" });
    const [second] = await readEvents(res, 1, 2000);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(second?.pending.map((p) => p.id)).toEqual([created.id]);
    abort.abort();
    const reader = res.body!.getReader();
    expect((await reader.read()).done).toBe(true);
  });

  it("ends the stream at the next tick once the session is over (signed out everywhere, account revoked)", async () => {
    let live = true;
    const res = pendingStreamResponse(db, userId, new AbortController().signal, { intervalMs: 100, sessionLive: async () => live });
    expect(await readEvents(res, 1, 2000)).toHaveLength(1);
    live = false;
    const reader = res.body!.getReader();
    const deadline = Date.now() + 2000;
    let done = false;
    while (!done && Date.now() < deadline) done = (await reader.read()).done;
    expect(done).toBe(true);
  });

  it("watches the session it opened with: a new session version or a disabled account ends it", async () => {
    const live = await watchSession(db, userId);
    expect(await live()).toBe(true);
    await db.user.update({ where: { id: userId }, data: { sessionVersion: { increment: 1 } } });
    expect(await live()).toBe(false);
    const again = await watchSession(db, userId);
    expect(await again()).toBe(true);
    await db.user.update({ where: { id: userId }, data: { disabledAt: new Date() } });
    expect(await again()).toBe(false);
    expect(await (await watchSession(db, "no-such-user"))()).toBe(false);
  });
});
