// Text a client sends must be storable as-is. PostgreSQL refuses U+0000 in text columns and
// parameters (and the driver fails the whole query), and a lone UTF-16 surrogate has no UTF-8
// encoding at all, so both are refused at the boundary with the endpoint's 400, before any
// value reaches a query.

/** True when `value` holds U+0000 or a lone (unpaired) surrogate. Linear in its length. */
export function hasInvalidCharacters(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0) return true;
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return true;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return true;
    }
  }
  return false;
}

/** True when any string in a parsed JSON value (member names included) is invalid text. */
export function jsonHasInvalidCharacters(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length) {
    const v = stack.pop();
    if (typeof v === "string") {
      if (hasInvalidCharacters(v)) return true;
    } else if (Array.isArray(v)) {
      stack.push(...v);
    } else if (v && typeof v === "object") {
      for (const [k, member] of Object.entries(v)) {
        if (hasInvalidCharacters(k)) return true;
        stack.push(member);
      }
    }
  }
  return false;
}

/** True when any name or value of a form or query string is invalid text. */
export function paramsHaveInvalidCharacters(params: URLSearchParams): boolean {
  for (const [k, v] of params) if (hasInvalidCharacters(k) || hasInvalidCharacters(v)) return true;
  return false;
}

/** Removes trailing "/" characters, in linear time (the regex /\/+$/ is quadratic on "////…x"). */
export function trimTrailingSlashes(value: string): string {
  let end = value.length;
  while (end > 0 && value.charCodeAt(end - 1) === 0x2f) end--;
  return value.slice(0, end);
}
