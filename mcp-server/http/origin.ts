// Origin validation and CORS for the MCP endpoint. The MCP transport spec requires servers to
// validate Origin (DNS rebinding: a page on evil.example resolving to 127.0.0.1 would
// otherwise reach a local server). Requests without Origin come from non-browser clients and
// are allowed; they still need a token. Browser clients (MCP Inspector and the like) get CORS
// with the headers they must read exposed: WWW-Authenticate (to start OAuth discovery) and
// Mcp-Session-Id.
import type { AppConfig } from "@/lib/config";

const ALLOW_HEADERS = "Authorization, Content-Type, Accept, DPoP, Mcp-Protocol-Version, Mcp-Session-Id, Last-Event-ID";
const EXPOSE_HEADERS = "WWW-Authenticate, Mcp-Session-Id, Mcp-Protocol-Version, DPoP-Nonce";

export type OriginCheck = { ok: true; origin: string | null } | { ok: false };

function isLoopbackOrigin(origin: URL): boolean {
  return origin.protocol === "http:" && ["localhost", "127.0.0.1", "[::1]"].includes(origin.hostname);
}

export function checkOrigin(req: Request, config: Pick<AppConfig, "issuerUrl" | "mcpResourceUrl" | "mcpAllowedOrigins" | "mode">): OriginCheck {
  const origin = req.headers.get("origin");
  if (origin === null) return { ok: true, origin: null };
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return { ok: false }; // includes the opaque origin "null"
  }
  const allowed = new Set([new URL(config.issuerUrl).origin, new URL(config.mcpResourceUrl).origin, ...config.mcpAllowedOrigins]);
  if (allowed.has(parsed.origin)) return { ok: true, origin: parsed.origin };
  if (config.mode !== "production" && isLoopbackOrigin(parsed)) return { ok: true, origin: parsed.origin };
  return { ok: false };
}

export function corsHeaders(origin: string | null): Record<string, string> {
  if (!origin) return {};
  return { "Access-Control-Allow-Origin": origin, "Access-Control-Expose-Headers": EXPOSE_HEADERS, Vary: "Origin" };
}

export function preflightResponse(origin: string | null): Response {
  return new Response(null, {
    status: 204,
    headers: {
      ...corsHeaders(origin),
      "Access-Control-Allow-Methods": "POST, OPTIONS",
      "Access-Control-Allow-Headers": ALLOW_HEADERS,
      "Access-Control-Max-Age": "600",
    },
  });
}

/** Public documents (metadata) may be read from any origin. */
export const PUBLIC_CORS = { "Access-Control-Allow-Origin": "*" };

export function forbiddenOrigin(): Response {
  return Response.json({ error: "forbidden_origin", error_description: "Requests from this Origin are not allowed." }, { status: 403 });
}
