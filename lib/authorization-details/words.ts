// `messaging` details in plain words for people: the consent screen, the pending list,
// the grants dashboard and describe_grant all say the same sentence.
import type { MessagingDetail } from "./messaging";
import { formatPhone } from "./phone";
import type { EntryLimit } from "./quota";

export interface WordsOptions {
  /** When the grant ends; rendered as a local time. */
  until?: Date;
  timeZone?: string;
  locale?: string;
  now?: Date;
}

function listInWords(items: string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

// Creating an Intl.DateTimeFormat costs far more than formatting with one (describe_grant
// words every call), and a formatter holds no per-call state: kept per locale, zone and style.
const formatters = new Map<string, Intl.DateTimeFormat>();
const STYLES = {
  date: { dateStyle: "short" },
  time: { hour: "numeric", minute: "2-digit" },
  day: { month: "short", day: "numeric" },
} as const satisfies Record<string, Intl.DateTimeFormatOptions>;

function formatter(locale: string, timeZone: string | undefined, style: keyof typeof STYLES): Intl.DateTimeFormat {
  const key = `${locale}\u0000${timeZone ?? ""}\u0000${style}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, { timeZone, ...STYLES[style] });
    if (formatters.size >= 200) formatters.clear();
    formatters.set(key, f);
  }
  return f;
}

export function formatUntil(until: Date, { timeZone, locale = "en-US", now = new Date() }: WordsOptions = {}): string {
  const sameDay = formatter(locale, timeZone, "date");
  const time = formatter(locale, timeZone, "time").format(until);
  if (sameDay.format(until) === sameDay.format(now)) return time;
  const day = formatter(locale, timeZone, "day").format(until);
  return `${day}, ${time}`;
}

/** "Send up to 3 messages to +1 555-010-0123 until 4:05 PM". */
export function describeMessagingDetail(detail: MessagingDetail, options: WordsOptions = {}): string {
  const n = detail.max_messages;
  const count = n === undefined ? "messages" : n === 1 ? "up to 1 message" : `up to ${n.toLocaleString(options.locale ?? "en-US")} messages`;
  const to = detail.recipients.length ? ` to ${listInWords(detail.recipients.map(formatPhone))}` : " to recipients you choose";
  const until = options.until ? ` until ${formatUntil(options.until, options)}` : "";
  return `Send ${count}${to}${until}`;
}

export function describeDetails(details: MessagingDetail[], options: WordsOptions = {}): string[] {
  return details.map((d) => describeMessagingDetail(d, options));
}

/** One entry's budget: "3 messages left", "1 used, 0 of 1 message left", "4 used, no message limit". */
export function entryUsageInWords(limit: Pick<EntryLimit, "max_messages" | "used" | "left">): string {
  const used = limit.used ? `${limit.used} used, ` : "";
  if (limit.max_messages === undefined || limit.left === undefined) return `${used}no message limit`;
  const of = limit.used ? ` of ${limit.max_messages}` : "";
  return `${used}${limit.left}${of} message${limit.max_messages === 1 ? "" : "s"} left`;
}

const SCOPE_WORDS: Record<string, string> = {
  "messages:send": "Send text messages on your behalf",
  "messages:read": "See the status of messages it sent",
};

export function describeScope(scope: string): string {
  return SCOPE_WORDS[scope] ?? scope;
}

/**
 * A lifetime in words, the same on the consent page and in the pending list: "45 seconds",
 * "30 minutes", "1 hour 30 minutes", "2 days".
 */
export function durationInWords(seconds: number): string {
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? "" : "s"}`;
  if (seconds < 60) return plural(seconds, "second");
  if (seconds % 86_400 === 0) return plural(seconds / 86_400, "day");
  const minutes = Math.round(seconds / 60);
  const hours = Math.floor(minutes / 60);
  if (hours === 0) return plural(minutes, "minute");
  return minutes % 60 ? `${plural(hours, "hour")} ${plural(minutes % 60, "minute")}` : plural(hours, "hour");
}
