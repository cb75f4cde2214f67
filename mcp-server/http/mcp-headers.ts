// The 2026-07-28 standard request headers Mcp-Method and Mcp-Name (docs/mcp-clients.md,
// "Transport rules"). The SDK checks them against the body and refuses a mismatch with HTTP 400
// and JSON-RPC -32020; this file only reads them, so authorization can refuse a tools/call the
// token's scope does not cover before the body is read or any argument parsed.
//
// Only a refusal is ever decided from a header. An allowed call still goes through the body
// check: a header that lies about the tool is refused by the SDK, and a body naming a tool the
// token cannot use is refused by the body-level scope check, so trusting the header can never
// let a call through.

/** RFC 9110 section 5.5: a field value is read without its leading and trailing whitespace. */
function fieldValue(req: Request, name: string): string | null {
  const value = req.headers.get(name);
  if (value === null) return null;
  const trimmed = value.trim();
  return trimmed === "" ? null : trimmed;
}

/** The tool a 2026-07-28 request says it calls, from its headers alone; null when it says none. */
export function toolNamedInHeaders(req: Request): string | null {
  if (fieldValue(req, "mcp-method") !== "tools/call") return null;
  return fieldValue(req, "mcp-name");
}
