// Waits until every process answers its readiness endpoint, printing what it waits for.
export async function waitForReady(targets: { name: string; url: string }[], cancelled: () => boolean, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const target of targets) {
    let announced = false;
    for (;;) {
      if (cancelled()) return;
      try {
        const res = await fetch(target.url, { signal: AbortSignal.timeout(2000) });
        if (res.ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`the ${target.name} did not become ready at ${target.url}`);
      if (!announced && Date.now() > deadline - timeoutMs + 3000) {
        console.log(`Waiting for the ${target.name}...`);
        announced = true;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
