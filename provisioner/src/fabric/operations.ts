import type { Endpoint } from '../networkspec/network';

// Reads a Fabric node's operations endpoint (/metrics in Prometheus text format): the readiness
// signals `up` waits on (Raft leader, gossip membership, ledger height) without scraping logs.

export interface Sample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Every sample of one metric family (plain name, no suffix games). */
export async function readMetric(operations: Endpoint, name: string): Promise<Sample[]> {
  let text: string;
  try {
    const res = await fetch(`http://${operations.host}:${operations.port}/metrics`, { signal: AbortSignal.timeout(2000) });
    text = await res.text();
  } catch {
    return [];
  }
  return parseSamples(text, name);
}

export function parseSamples(text: string, name: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    let labels: Record<string, string> = {};
    let valueText: string;
    if (rest.startsWith('{')) {
      const end = rest.indexOf('} ');
      if (end < 0) continue;
      labels = Object.fromEntries([...rest.slice(1, end).matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]));
      valueText = rest.slice(end + 2);
    } else if (rest.startsWith(' ')) valueText = rest.slice(1);
    else continue; // another metric whose name starts with this one
    out.push({ labels, value: Number(valueText.trim().split(' ')[0]) });
  }
  return out;
}
