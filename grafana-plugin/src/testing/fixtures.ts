// The answers scripts/record-fixtures.ts recorded from a real exporter and Prometheus
// (fixtures/recorded/), looked up the way the pages ask for them. Test support only.

import fs from 'fs';
import path from 'path';

export interface Recorded {
  url: string;
  status: number;
  body: any;
  expr?: string;
}

const ROOT = path.resolve(__dirname, '../../fixtures/recorded');

function loadDir(kind: 'api' | 'prometheus'): Map<string, Recorded> {
  const dir = path.join(ROOT, kind);
  const out = new Map<string, Recorded>();
  for (const f of fs.readdirSync(dir)) {
    if (f.endsWith('.json')) {
      out.set(f.replace(/\.json$/, ''), JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')));
    }
  }
  return out;
}

export const apiFixtures = loadDir('api');
export const promFixtures = loadDir('prometheus');

/** One recorded ledger API answer by name (fixtures/recorded/api/<name>.json). */
export function api(name: string): Recorded {
  const r = apiFixtures.get(name);
  if (!r) {
    throw new Error(`no recorded API fixture ${name}; run scripts/record-fixtures.ts`);
  }
  return r;
}

export function prom(name: string): Recorded {
  const r = promFixtures.get(name);
  if (!r) {
    throw new Error(`no recorded Prometheus fixture ${name}`);
  }
  return r;
}

/** The recorded answer for a ledger API path (`/api/v1/...`), if any. */
export function apiByUrl(url: string): Recorded | undefined {
  for (const r of apiFixtures.values()) {
    if (r.url === url) {
      return r;
    }
  }
  return undefined;
}

/** The recorded answer for a PromQL expression, if any. */
export function promByExpr(expr: string): Recorded | undefined {
  for (const r of promFixtures.values()) {
    if (r.expr === expr) {
      return r;
    }
  }
  return undefined;
}
