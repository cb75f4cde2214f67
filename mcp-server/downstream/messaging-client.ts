// The MCP server's calls to the messaging API, with the exchanged token (never the agent's).
export interface MessagingCallResult {
  status: number;
  body: Record<string, unknown>;
}

export class MessagingUnavailableError extends Error {
  override name = "MessagingUnavailableError";
}

export async function postMessage(
  apiUrl: string,
  accessToken: string,
  message: { to: string; body: string },
  idempotencyKey: string,
  fetchFn: typeof fetch = fetch,
): Promise<MessagingCallResult> {
  let res: Response;
  try {
    res = await fetchFn(apiUrl, {
      method: "POST",
      headers: { Authorization: `Bearer ${accessToken}`, "Content-Type": "application/json", Accept: "application/json", "Idempotency-Key": idempotencyKey },
      body: JSON.stringify(message),
      signal: AbortSignal.timeout(20_000),
      redirect: "error",
    });
  } catch {
    throw new MessagingUnavailableError("the messaging API could not be reached");
  }
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  return { status: res.status, body };
}
