import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { providerFromConfig } from ".";
import { startRecordingServer, type RecordingServer } from "./recording-server";
import { webhookSignature } from "./webhook";

const message = { id: "msg_1", to: "+15550100123", body: "Running late", grantId: "g1", userId: "u1", createdAt: new Date("2026-01-01T00:00:00Z") };

describe("messaging providers", () => {
  let server: RecordingServer;
  beforeEach(async () => {
    server = await startRecordingServer();
  });
  afterEach(() => server.close());

  it("the Twilio-compatible provider posts To, From and Body with Basic auth to the account's Messages resource", async () => {
    server.respond = () => ({ status: 201, body: { sid: "SM123", status: "queued" } });
    const provider = providerFromConfig({ provider: "twilio", apiBase: server.url, accountSid: "AC1", authToken: "tok", from: "+15550100999" });
    const result = await provider.send(message);
    expect(result).toEqual({ ok: true, providerMessageId: "SM123" });
    const req = server.requests[0]!;
    expect(req.method).toBe("POST");
    expect(req.url).toBe("/2010-04-01/Accounts/AC1/Messages.json");
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from("AC1:tok").toString("base64")}`);
    expect(Object.fromEntries(new URLSearchParams(req.body))).toEqual({ To: "+15550100123", From: "+15550100999", Body: "Running late" });
  });

  it("checklist 124: every provider call carries the message id as idempotency key (Idempotency-Key, I-Twilio-Idempotency-Token), the same on a retry", async () => {
    const twilio = providerFromConfig({ provider: "twilio", apiBase: server.url, accountSid: "AC1", authToken: "tok", from: "+15550100999" });
    const webhook = providerFromConfig({ provider: "webhook", url: `${server.url}/in` });
    server.respond = () => ({ status: 201, body: { sid: "SM1" } });
    await twilio.send(message);
    await twilio.send(message);
    await webhook.send(message);
    await webhook.send(message);
    expect(server.requests.slice(0, 2).map((r) => r.headers["i-twilio-idempotency-token"])).toEqual(["msg_1", "msg_1"]);
    expect(server.requests.slice(2).map((r) => r.headers["idempotency-key"])).toEqual(["msg_1", "msg_1"]);
  });

  it("a provider that takes the message but answers after the timeout is a retryable failure (its outcome is unknown)", async () => {
    server.respond = () => ({ status: 200, body: { sid: "SM1" }, delayMs: 2_000 });
    const provider = providerFromConfig({ provider: "webhook", url: `${server.url}/in` }, undefined, 200);
    expect(await provider.send(message)).toEqual({ ok: false, error: "provider timed out", retryable: true });
    expect(server.requests).toHaveLength(1);
  });

  it("the Twilio provider treats 4xx as permanent and 5xx or 429 as retryable", async () => {
    const provider = providerFromConfig({ provider: "twilio", apiBase: server.url, accountSid: "AC1", authToken: "tok", from: "+15550100999" });
    server.respond = () => ({ status: 400, body: { code: 21211 } });
    expect(await provider.send(message)).toMatchObject({ ok: false, retryable: false });
    server.respond = () => ({ status: 429 });
    expect(await provider.send(message)).toMatchObject({ ok: false, retryable: true });
    server.respond = () => ({ status: 502 });
    expect(await provider.send(message)).toMatchObject({ ok: false, retryable: true });
  });

  it("the webhook provider posts JSON with an idempotency key and a verifiable signature", async () => {
    const provider = providerFromConfig({ provider: "webhook", url: `${server.url}/in`, secret: "s3cret" });
    expect(await provider.send(message)).toEqual({ ok: true, providerMessageId: "webhook_msg_1" });
    const req = server.requests[0]!;
    expect(req.headers["idempotency-key"]).toBe("msg_1");
    expect(JSON.parse(req.body)).toMatchObject({ id: "msg_1", to: "+15550100123", body: "Running late", grant_id: "g1" });
    const ts = req.headers["x-webhook-timestamp"] as string;
    expect(req.headers["x-webhook-signature"]).toBe(webhookSignature("s3cret", ts, req.body));
  });

  it("an unreachable provider is a retryable failure", async () => {
    const provider = providerFromConfig({ provider: "webhook", url: "http://127.0.0.1:1/in" });
    expect(await provider.send(message)).toMatchObject({ ok: false, retryable: true });
  });

  it("the sandbox provider delivers without any network call", async () => {
    const provider = providerFromConfig({ provider: "sandbox" });
    expect(await provider.send(message)).toEqual({ ok: true, providerMessageId: "sandbox_msg_1" });
  });
});
