// The sample agent's fetch, given to the MCP SDK's transport (which also uses it for every
// OAuth request). It adds what the SDK leaves to the agent:
// - Refreshes go one at a time, and requests carrying the same refresh token share one
//   answer: the issuer rotates refresh tokens, and an agent that races itself only leans on
//   the issuer's reuse leeway (README, "Refresh tokens") instead of needing it.
// - A refresh whose answer is lost (timeout, reset connection) is sent again with the same
//   refresh token, soon enough to land inside the issuer's leeway (30 s by default), which
//   answers it with the same successor. Without this the SDK takes a network error during a
//   refresh as "no tokens" and asks the user for a new consent.
// - 429 and 503 answers with Retry-After are waited out and retried (RFC 9110 section
//   10.2.3), up to a bound; a longer wait is handed back to the caller as the answer.
export interface AgentFetchOptions {
  fetch?: typeof fetch;
  /** How long one refresh attempt may take before it is abandoned and sent again. */
  refreshTimeoutMs?: number;
  /** Attempts per refresh; attempts x timeout stays inside the issuer's leeway. */
  refreshAttempts?: number;
  /** The longest Retry-After honoured; longer ones are returned to the caller. */
  maxRetryAfterSeconds?: number;
  /** How many 429/503 answers one request waits out. */
  retryAfterAttempts?: number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Retry-After as seconds (delay-seconds or an HTTP-date), or null when absent or unusable. */
export function retryAfterSeconds(res: Response, now = Date.now()): number | null {
  const value = res.headers.get("retry-after")?.trim();
  if (!value) return null;
  if (/^\d+$/.test(value)) return Number(value);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
}

/** The refresh token a request carries, when it is a refresh_token grant request. */
function refreshTokenOf(init: RequestInit | undefined): string | null {
  if ((init?.method ?? "GET").toUpperCase() !== "POST") return null;
  const body = init?.body;
  const form = body instanceof URLSearchParams ? body : typeof body === "string" && !body.trimStart().startsWith("{") ? new URLSearchParams(body) : null;
  return form?.get("grant_type") === "refresh_token" ? form.get("refresh_token") : null;
}

/** A network failure or our own timeout: the request may or may not have reached the server. */
function isLostAnswer(err: unknown): boolean {
  return err instanceof TypeError || (err instanceof DOMException && (err.name === "TimeoutError" || err.name === "AbortError"));
}

export function agentFetch(options: AgentFetchOptions = {}): typeof fetch {
  const base = options.fetch ?? fetch;
  const sleep = options.sleep ?? defaultSleep;
  const timeoutMs = options.refreshTimeoutMs ?? 8_000;
  const attempts = options.refreshAttempts ?? 3;
  const maxWait = options.maxRetryAfterSeconds ?? 30;
  const waits = options.retryAfterAttempts ?? 3;

  /** Sends, waiting out 429/503 + Retry-After within the bounds. */
  async function sendHonouringRetryAfter(input: string | URL | Request, init: RequestInit | undefined, signal?: () => AbortSignal | undefined): Promise<Response> {
    for (let waited = 0; ; waited++) {
      const res = await base(input, { ...init, signal: signal?.() ?? init?.signal });
      const after = res.status === 429 || res.status === 503 ? retryAfterSeconds(res) : null;
      if (after === null || after > maxWait || waited >= waits) return res;
      await res.body?.cancel();
      await sleep(after * 1000);
    }
  }

  async function refreshOnce(input: string | URL | Request, init: RequestInit | undefined): Promise<{ status: number; statusText: string; headers: Headers; text: string }> {
    for (let attempt = 1; ; attempt++) {
      try {
        const timeout = () => (init?.signal ? AbortSignal.any([init.signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs));
        const res = await sendHonouringRetryAfter(input, init, timeout);
        // Read the body under the same budget: an answer cut off mid-body is lost too.
        return { status: res.status, statusText: res.statusText, headers: res.headers, text: await res.text() };
      } catch (err) {
        if (init?.signal?.aborted || !isLostAnswer(err) || attempt >= attempts) throw err;
        // Same token again: the issuer answers a retry inside its leeway with the same successor.
        await sleep(250 * attempt);
      }
    }
  }

  let queue: Promise<unknown> = Promise.resolve();
  const inFlight = new Map<string, ReturnType<typeof refreshOnce>>();

  function refresh(token: string, input: string | URL | Request, init: RequestInit | undefined) {
    let shared = inFlight.get(token);
    if (!shared) {
      // One refresh at a time: the next waits for this one, whatever its outcome.
      shared = queue.then(() => refreshOnce(input, init));
      queue = shared.catch(() => undefined);
      inFlight.set(token, shared);
      void shared.finally(() => inFlight.delete(token)).catch(() => undefined);
    }
    return shared.then((r) => new Response(r.text, { status: r.status, statusText: r.statusText, headers: r.headers }));
  }

  return (input, init) => {
    const token = refreshTokenOf(init);
    return token ? refresh(token, input, init) : sendHonouringRetryAfter(input, init);
  };
}
