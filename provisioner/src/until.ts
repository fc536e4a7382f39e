/**
 * Polls `check` until it holds, backing off from 20 ms to 250 ms; after `timeoutMs` throws an Error
 * whose message is `what` (or what it returns, e.g. a log's tail). The one polling helper of the
 * provisioner, for its own waits and its tests alike: nothing here sleeps a fixed time.
 */
export async function until(check: () => boolean | Promise<boolean>, what: string | (() => string | Promise<string>) = 'condition', timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let pause = 20; ; pause = Math.min(pause * 2, 250)) {
    if (await check()) return;
    if (Date.now() > deadline) {
      const message = typeof what === 'string' ? `${what}: not within ${timeoutMs} ms` : await what();
      throw new Error(message);
    }
    await new Promise((r) => setTimeout(r, pause));
  }
}
