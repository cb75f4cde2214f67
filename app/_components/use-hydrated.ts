"use client";
import { useEffect, useState } from "react";

/**
 * False in the server-rendered HTML and until React has hydrated the component, true after.
 * A button whose behaviour lives in its click handler stays disabled until then, so an early
 * click is visibly not taken instead of silently lost (or, for a form, sent without its checks).
 */
export function useHydrated(): boolean {
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  return hydrated;
}
