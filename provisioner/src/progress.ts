/** Prints each step of long work with its duration, so `up` never sits silent. */
export interface Progress {
  step<T>(title: string, work: () => Promise<T>, summary?: (result: T) => string): Promise<T>;
}

export function consoleProgress(out: NodeJS.WritableStream = process.stderr): Progress {
  return {
    async step(title, work, summary) {
      const started = process.hrtime.bigint();
      out.write(`▸ ${title} …\n`);
      const elapsed = () => `${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(2)}s`;
      try {
        const result = await work();
        out.write(`✓ ${title} (${elapsed()})${summary ? ': ' + summary(result) : ''}\n`);
        return result;
      } catch (err) {
        out.write(`✗ ${title} (${elapsed()})\n`);
        throw err;
      }
    },
  };
}

/** Records each step's duration without printing (tests, benchmarks). */
export function quietProgress(steps: { title: string; seconds: number }[] = []): Progress & { steps: { title: string; seconds: number }[] } {
  return {
    steps,
    async step(title, work) {
      const started = process.hrtime.bigint();
      const result = await work();
      steps.push({ title, seconds: Number(process.hrtime.bigint() - started) / 1e9 });
      return result;
    },
  };
}
