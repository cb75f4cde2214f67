import type { ReactNode } from "react";

/**
 * A wide table scrolls inside this box, never the page. The box is focusable and named so a
 * keyboard user can scroll it too (WCAG 2.1.1; axe's scrollable-region-focusable rule).
 */
export function TableScroll({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="table-scroll" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}
