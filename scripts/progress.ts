// Progress for the slow commands (audit:seed, audit:verify, db:migrate), on stderr so that
// stdout stays the command's result. On a terminal: one line redrawn in place, a bar with the
// rate and the time left. Anywhere else (a log file, CI): a plain line now and then, no
// control characters.

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface Progress {
  /** `done` items of the total so far. */
  update(done: number): void;
  /** The final line (ends the redrawn one on a terminal). */
  finish(done?: number): void;
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

/** "1:05" (m:ss) or "1:02:05" (h:mm:ss); "?" before a rate is known. */
export function clock(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  const [h, m, sec] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  const two = (v: number) => String(v).padStart(2, "0");
  return h ? `${h}:${two(m)}:${two(sec)}` : `${m}:${two(sec)}`;
}

/** "seeded 250,000 / 1,000,000 (25%) 41,000 entries/s, 0:18 left": the words every form shares. */
export function progressWords(label: string, done: number, total: number, elapsedMs: number, unit: string): string {
  const rate = elapsedMs > 0 ? done / (elapsedMs / 1000) : 0;
  const left = rate > 0 ? (total - done) / rate : NaN;
  const pct = total > 0 ? Math.floor((done / total) * 100) : 100;
  return `${label} ${fmt(done)} / ${fmt(total)} (${pct}%) ${fmt(rate)} ${unit}/s, ${done >= total ? "done" : `${clock(left)} left`}`;
}

/** The terminal form: "[#########-----------] " before the words, as wide as the terminal allows. */
export function progressBar(label: string, done: number, total: number, elapsedMs: number, unit: string, columns = 80): string {
  const words = progressWords(label, done, total, elapsedMs, unit);
  const width = Math.max(10, Math.min(40, columns - words.length - 4));
  const filled = total > 0 ? Math.min(width, Math.round((done / total) * width)) : width;
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${words}`;
}

export function progress(
  label: string,
  total: number,
  { stream = process.stderr as ProgressStream, unit = "entries", everyMs = 2000, now = () => performance.now() }: { stream?: ProgressStream; unit?: string; everyMs?: number; now?: () => number } = {},
): Progress {
  const started = now();
  const tty = !!stream.isTTY;
  // A terminal is redrawn at most ten times a second; a log gets a line every `everyMs`.
  const gap = tty ? 100 : everyMs;
  // A terminal shows the bar at once; a log's first line waits, so a quick run prints one line.
  let last = tty ? -Infinity : started;
  let current = 0;
  const draw = (final: boolean) => {
    const elapsed = now() - started;
    if (tty) stream.write(`\r${progressBar(label, current, total, elapsed, unit, stream.columns ?? 80)}\x1b[K${final ? "\n" : ""}`);
    else stream.write(`${progressWords(label, current, total, elapsed, unit)}\n`);
  };
  return {
    update(done) {
      current = done;
      const t = now();
      if (t - last < gap) return;
      last = t;
      draw(false);
    },
    finish(done = current) {
      current = done;
      draw(true);
    },
  };
}
