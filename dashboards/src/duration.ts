// Prometheus durations ("30s", "5m", "1d", "1h30m") as seconds.

const UNIT: Readonly<Record<string, number>> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };

export function seconds(duration: string): number {
  const parts = [...duration.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== duration) throw new Error(`not a Prometheus duration: "${duration}"`);
  return parts.reduce((sum, p) => sum + Number(p[1]) * UNIT[p[2]!]!, 0);
}
