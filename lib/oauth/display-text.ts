// Text a client supplies that the user reads to decide: the client's name (RFC 7591 section 2,
// client_name) and the CIBA binding message (CIBA Core section 7.1). Both are shown as plain
// text, and must look the same to the user as they are stored. So no character may be invisible
// or reorder what follows: control (Cc) and format (Cf) characters, the bidirectional overrides
// and isolates (U+202A-202E, U+2066-2069), zero-width characters (U+200B-200F), line and
// paragraph separators, surrogates, private-use and unassigned code points (docs/ciba.md,
// "Text the user reads").
const HIDDEN_OR_REORDERING = /[\p{C}\p{Zl}\p{Zp}]/u;

/** True when every character is a visible letter, mark, number, punctuation, symbol or space. */
export function isPlainDisplayText(value: string): boolean {
  return !HIDDEN_OR_REORDERING.test(value);
}
