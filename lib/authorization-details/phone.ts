// E.164 phone numbers (ITU-T E.164): the only recipient form the issuer stores, tokens carry
// and the resource servers compare. libphonenumber does the parsing; "possible" (right length
// for the country) rather than "valid" (assigned range), so reserved fictional ranges such as
// +1 555 01xx, which exist precisely for tests and demos, are accepted.
import { parsePhoneNumberFromString } from "libphonenumber-js";

// Parsing costs about 30 µs, and every send parses the recipient it is given and
// each recipient of its token's authorization details, in both the MCP server and the messaging
// API (about 3 % of each process under send load, docs/benchmarks.md). The answers are pure, so
// the most recent ones are kept. Inputs are at most 32 characters, so the memory is bounded; an
// attacker cycling through new numbers only evicts older answers (first in, first out).
const NORMALIZED_CACHE_SIZE = 1024;
const normalized = new Map<string, string | null>();

/** The E.164 form of a phone number written in international notation, or null. */
export function normalizeE164(input: string): string | null {
  if (typeof input !== "string" || input.length > 32 || !input.trim().startsWith("+")) return null;
  const known = normalized.get(input);
  if (known !== undefined) return known;
  const parsed = parsePhoneNumberFromString(input.trim());
  const e164 = parsed?.isPossible() ? parsed.number : null;
  if (normalized.size >= NORMALIZED_CACHE_SIZE) normalized.delete(normalized.keys().next().value!);
  normalized.set(input, e164);
  return e164;
}

/** For people: "+1 555-010-0123", "+44 20 7946 0958". */
export function formatPhone(e164: string): string {
  const parsed = parsePhoneNumberFromString(e164);
  if (!parsed) return e164;
  const international = parsed.formatInternational();
  // North American numbers read best with dashes after the country code.
  if (parsed.countryCallingCode === "1") return international.replace(/^\+1 (\d{3}) (\d{3}) (\d{4})$/, "+1 $1-$2-$3");
  return international;
}
