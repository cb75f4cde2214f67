// GET /api/audit/export?format=jsonl|csv&<filter>: the console's current filter, streamed.
// Auditors only. The viewer is resolved by the route (session cookies are the framework's
// business); this handler decides.
import type { Deps } from "../deps";
import { exportFilename, exportStream, type ExportFormat } from "./export";
import { AuditFilterError, parseAuditFilter } from "./filter";

export interface Viewer {
  id: string;
  role: string;
}

const json = (status: number, body: Record<string, string>) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", "Cache-Control": "no-store" } });

const CONTENT_TYPES: Record<ExportFormat, string> = {
  jsonl: "application/x-ndjson; charset=utf-8",
  csv: "text/csv; charset=utf-8; header=present",
};

export async function handleAuditExport(req: Request, deps: Deps, viewer: Viewer | null): Promise<Response> {
  if (!viewer) return json(401, { error: "unauthenticated", error_description: "sign in as an auditor" });
  if (viewer.role !== "auditor") return json(403, { error: "forbidden", error_description: "the auditor role is required" });
  const params = new URL(req.url).searchParams;
  const format = (params.get("format") ?? "jsonl") as ExportFormat;
  if (format !== "jsonl" && format !== "csv") return json(400, { error: "invalid_request", error_description: "format must be jsonl or csv" });
  let filter;
  try {
    filter = parseAuditFilter(params);
  } catch (err) {
    if (err instanceof AuditFilterError) return json(400, { error: "invalid_request", error_description: err.message });
    throw err;
  }
  return new Response(exportStream(deps.db, filter, format), {
    headers: {
      "Content-Type": CONTENT_TYPES[format],
      "Content-Disposition": `attachment; filename="${exportFilename(format, deps.now())}"`,
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
}
