// E.164 phone numbers (ITU-T E.164): the only recipient form the issuer stores, tokens carry
// and the resource servers compare. libphonenumber does the parsing; "possible" (right length
// for the country) rather than "valid" (assigned range), so reserved fictional ranges such as
// +1 555 01xx, which exist precisely for tests and demos, are accepted.
import { parsePhoneNumberFromString } from "libphonenumber-js";

/** The E.164 form of a phone number written in international notation, or null. */
export function normalizeE164(input: string): string | null {
  if (typeof input !== "string" || input.length > 32 || !input.trim().startsWith("+")) return null;
  const parsed = parsePhoneNumberFromString(input.trim());
  if (!parsed || !parsed.isPossible()) return null;
  return parsed.number;
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
