"use client";
// The grant's end in the viewer's own time zone. The server renders UTC; the browser replaces
// it after hydration with its local time (Intl, no third-party code).
import { useEffect, useState } from "react";

function format(date: Date, timeZone?: string): string {
  return new Intl.DateTimeFormat("en-US", { timeZone, weekday: "short", month: "short", day: "numeric", hour: "numeric", minute: "2-digit", timeZoneName: "short" }).format(date);
}

export function LocalTime({ iso }: { iso: string }) {
  const [text, setText] = useState(() => format(new Date(iso), "UTC"));
  useEffect(() => setText(format(new Date(iso))), [iso]);
  return <time dateTime={iso}>{text}</time>;
}
