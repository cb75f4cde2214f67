import { describe, expect, it } from "vitest";
import { clock, progress, progressBar, progressWords } from "./progress";

function sink(isTTY: boolean) {
  const out: string[] = [];
  return { out, stream: { isTTY, columns: 100, write: (t: string) => out.push(t) } };
}

describe("CLI progress", () => {
  it("says how far, how fast and how long is left", () => {
    expect(progressWords("seeded", 250_000, 1_000_000, 5000, "entries")).toBe("seeded 250,000 / 1,000,000 (25%) 50,000 entries/s, 0:15 left");
    expect(progressWords("seeded", 10, 10, 1000, "entries")).toBe("seeded 10 / 10 (100%) 10 entries/s, done");
    expect(progressWords("verified", 0, 10, 0, "entries")).toContain("? left");
    expect([clock(59.6), clock(65), clock(3725)]).toEqual(["1:00", "1:05", "1:02:05"]);
    const bar = progressBar("seeded", 50, 100, 1000, "entries", 100);
    expect(bar).toMatch(/^\[#+-+\] seeded 50 \/ 100 \(50%\)/);
    expect(bar.length).toBeLessThanOrEqual(100);
  });

  it("redraws one line on a terminal, and writes plain periodic lines elsewhere", () => {
    let t = 0;
    const now = () => t;
    const tty = sink(true);
    const onTerminal = progress("seeded", 100, { stream: tty.stream, now });
    for (let done = 10; done <= 100; done += 10) {
      t += 50;
      onTerminal.update(done);
    }
    onTerminal.finish();
    expect(tty.out.every((l) => l.startsWith("\r["))).toBe(true);
    expect(tty.out.length).toBeLessThan(10); // at most ten redraws a second
    expect(tty.out.at(-1)).toMatch(/100 \/ 100 \(100%\).*done\x1b\[K\n$/);

    t = 0;
    const log = sink(false);
    const inLog = progress("verified", 100, { stream: log.stream, now, everyMs: 2000 });
    for (let done = 10; done <= 100; done += 10) {
      t += 500;
      inLog.update(done);
    }
    inLog.finish();
    // One line per two seconds of a five-second run, then the final line; no control characters.
    expect(log.out).toHaveLength(3);
    expect(log.out.join("")).not.toMatch(/[\r\x1b]/);
    expect(log.out.at(-1)).toBe("verified 100 / 100 (100%) 20 entries/s, done\n");
  });
});
