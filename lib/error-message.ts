// One line that says what went wrong, for a log or a command's output: the only way this code
// turns a caught error into text.
//
// Why not `err.message`:
// - Prisma's messages quote the call that failed. A validation error prints the call's
//   arguments with their values (an email, a token's hash), and every error prints the lines of
//   source around the call. What we keep is the error's name, its code (P2002 and so on) and
//   the message's last line, which states the cause.
// - A connection refused on every address of a host (Node tries each one) is an
//   AggregateError whose own message is empty; the causes are its `errors`.
// - A message can span lines, some of them from input (a parser quoting what it was given), and
//   a line break in a log line forges the next line. Whitespace runs become one space, and the
//   text is cut at MAX_LENGTH characters.
const MAX_LENGTH = 300;

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > MAX_LENGTH ? `${flat.slice(0, MAX_LENGTH - 1)}…` : flat;
}

function codeOf(err: Error): string | undefined {
  const code = (err as { code?: unknown }).code;
  return typeof code === "string" || typeof code === "number" ? String(code) : undefined;
}

function isPrismaError(err: Error): boolean {
  return err.name.startsWith("PrismaClient") && typeof (err as { clientVersion?: unknown }).clientVersion === "string";
}

function describe(err: unknown, depth: number): string {
  if (!(err instanceof Error)) return typeof err === "string" ? err : String(err);
  const code = codeOf(err);
  if (isPrismaError(err)) {
    const lines = err.message.split("\n").map((l) => l.trim()).filter(Boolean);
    return [err.name, code, lines.at(-1)].filter(Boolean).join(": ");
  }
  if (err.message) return err.message;
  if (err instanceof AggregateError && depth < 2 && err.errors.length > 0) {
    return err.errors.map((inner) => describe(inner, depth + 1)).join("; ");
  }
  return code ?? err.name;
}

/** What went wrong, in one line of at most 300 characters, without the values a failed database call was given. */
export function errorMessage(err: unknown): string {
  return oneLine(describe(err, 0)) || "unknown error";
}
