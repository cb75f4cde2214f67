// The one Content-Type parser (RFC 9110 section 8.3.1): the media type, lowercased, without
// parameters, and whether a charset parameter names something other than UTF-8 (bodies are
// always decoded as UTF-8, so any other charset would be read wrongly).
export interface MediaType {
  /** "type/subtype", lowercased; "" when the header is missing. */
  essence: string;
  /** False when a charset parameter names anything but UTF-8 (or its subset US-ASCII). */
  utf8: boolean;
}

const UTF8_NAMES = new Set(["utf-8", "utf8", "us-ascii"]);

export function parseMediaType(header: string | null): MediaType {
  const [type = "", ...params] = (header ?? "").split(";");
  let utf8 = true;
  for (const param of params) {
    const eq = param.indexOf("=");
    if (eq < 0) continue;
    if (param.slice(0, eq).trim().toLowerCase() !== "charset") continue;
    const charset = param.slice(eq + 1).trim().replaceAll('"', "").toLowerCase();
    if (!UTF8_NAMES.has(charset)) utf8 = false;
  }
  return { essence: type.trim().toLowerCase(), utf8 };
}
