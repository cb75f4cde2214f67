// User codes for the device authorization grant (RFC 8628 section 6.1): 8 characters from
// 20 consonants (no vowels, so no words; no digits, so no 0/O or 1/I confusion), shown as
// "WDJB-MJHT". 20^8 is about 2^34.6; with the 10-minute lifetime and the per-user attempt
// limit on /device, guessing a live code is impractical (RFC 8628 section 5.1).
import { randomInt } from "node:crypto";

export const USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ";
export const USER_CODE_LENGTH = 8;

export function generateUserCode(): string {
  let code = "";
  for (let i = 0; i < USER_CODE_LENGTH; i++) code += USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)];
  return formatUserCode(code);
}

export function formatUserCode(raw: string): string {
  return `${raw.slice(0, 4)}-${raw.slice(4)}`;
}

/**
 * What the user typed, as the stored form: case-insensitive, and dashes, spaces and other
 * separators ignored (RFC 8628 section 6.1). Null when it cannot be a code.
 */
export function normalizeUserCode(input: string): string | null {
  const letters = input.toUpperCase().replace(/[\s\-_.]/g, "");
  if (letters.length !== USER_CODE_LENGTH) return null;
  for (const ch of letters) if (!USER_CODE_ALPHABET.includes(ch)) return null;
  return formatUserCode(letters);
}
