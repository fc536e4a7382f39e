import fs from 'fs';
import path from 'path';
import { fireEvent, screen, within } from '@testing-library/react';
import { installFakeGrafana, renderPage } from '../../testing/fakeGrafana';
import type { Recorded } from '../../testing/fixtures';
import { paths } from '../../paths';
import { CAPTURE_URL } from '../../api/profileApi';
import { cpuProfileToFrame } from '../flameGraphFrame';
import { type HeapNode, type HeapProfile, heapProfileToFrame, topAllocations } from '../heapProfile';

// A profile recorded from a real exporter (bench/src/profilecost.ts --record): the marbles replica under
// the CPU-heavy workload, captured through POST /api/v1/profiles. And one captured with heap: true
// (heap.*, provisioner/src/profile/recordprofilefixture.ts), with its sampling heap profile.

// the first render loads the page and @grafana/flamegraph (d3 compiled for jest): seconds on a loaded machine
jest.setTimeout(60_000);

const DIR = path.resolve(__dirname, '../../../fixtures/recorded/profiles');
const read = (f: string) => JSON.parse(fs.readFileSync(path.join(DIR, f), 'utf8'));
const meta = read('profile.json');
const cpu = read('profile.cpuprofile');
const list = read('profiles.json');
const pods = read('pods.json');
const heapMeta = read('heap.json');
const heapCpu = read('heap.cpuprofile');
const heapProfile: HeapProfile = read('heap.heapprofile');
const ok = (url: string, body: unknown): Recorded => ({ url, status: 200, body });
const answers: Record<string, Recorded> = {
  '/api/v1/pods': ok('/api/v1/pods', pods),
  '/api/v1/profiles': ok('/api/v1/profiles', list),
  [`/api/v1/profiles/${meta.id}`]: ok(`/api/v1/profiles/${meta.id}`, meta),
  [`/api/v1/profiles/${meta.id}/cpuprofile`]: ok(`/api/v1/profiles/${meta.id}/cpuprofile`, cpu),
  [`/api/v1/profiles/${heapMeta.id}`]: ok(`/api/v1/profiles/${heapMeta.id}`, heapMeta),
  [`/api/v1/profiles/${heapMeta.id}/cpuprofile`]: ok(`/api/v1/profiles/${heapMeta.id}/cpuprofile`, heapCpu),
  [`/api/v1/profiles/${heapMeta.id}/heapprofile`]: ok(`/api/v1/profiles/${heapMeta.id}/heapprofile`, heapProfile),
};

/** Every node of the recorded allocation tree with its stack, walked here independently of heapProfile.ts. */
function heapNodes(): Array<{ node: HeapNode; stack: string[] }> {
  const out: Array<{ node: HeapNode; stack: string[] }> = [];
  const walk = (node: HeapNode, stack: string[]) => {
    out.push({ node, stack });
    node.children.forEach((c) => walk(c, [...stack, c.callFrame.functionName]));
  };
  walk(heapProfile.head, []);
  return out;
}

// jsdom has no canvas: a 2D context and Path2D that accept every call
beforeAll(() => {
  const ctx: Record<string | symbol, unknown> = { measureText: (t: string) => ({ width: t.length * 6 }) };
  const proxy = new Proxy(ctx, {
    get: (t, k) => (k in t ? t[k] : () => undefined),
    set: (t, k, v) => ((t[k] = v), true),
  });
  HTMLCanvasElement.prototype.getContext = (() => proxy) as unknown as HTMLCanvasElement['getContext'];
  (globalThis as { Path2D?: unknown }).Path2D = class {
    constructor() {
      return new Proxy({}, { get: () => () => undefined });
    }
  };
});

describe('Profile page', () => {
  it('shows a recorded profile: the CPU-heavy function first in the top table at its source line, and the flame graph', async () => {
    installFakeGrafana({ answers });
    renderPage(paths.profile({ id: meta.id }));
    const table = await screen.findByRole('table', { name: 'Top functions' });
    const rows = within(table).getAllByRole('row').slice(1);
    const top = meta.report.bySelf.filter((r: { kind: string }) => r.kind !== 'runtime')[0];
    const row = rows.find((r) => within(r).queryByText(top.functionName))!;
    expect(row).toBeDefined();
    expect(within(row).getByText(new RegExp(top.location.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))).toBeInTheDocument();
    expect(await screen.findByTestId('flamegraph')).toBeInTheDocument();
    // the flame graph mounted its canvas (jsdom lays nothing out, so what it draws is checked in Chromium: tests/browser.e2e.test.ts)
    expect(screen.getByTestId('flamegraph').querySelector('canvas')).not.toBeNull();
    expect(screen.getByText(new RegExp(`${meta.pod} · ${meta.chaincode}`))).toBeInTheDocument();
  });

  it('shows a recorded heap profile beside the CPU profile: the top allocating function and the allocations by stack', async () => {
    expect(heapMeta.heap).toBe(true);
    const fake = installFakeGrafana({ answers });
    renderPage(paths.profile({ id: heapMeta.id }));
    // the CPU profile first, as for any capture
    expect(await screen.findByRole('table', { name: 'Top functions' })).toBeInTheDocument();
    fireEvent.click(screen.getByRole('radio', { name: 'Heap allocations' }));
    const table = await screen.findByRole('table', { name: 'Top allocations' });
    expect(fake.requests.map((r) => r.url)).toContain(
      `api/plugin-proxy/mictract-app/api/profiles/${heapMeta.id}/heapprofile`
    );
    // the function (name, script, line) whose stacks hold the most sampled bytes itself is the first row,
    // with those bytes and its file:line
    const byFunction = new Map<string, { frame: HeapNode['callFrame']; bytes: number }>();
    for (const { node } of heapNodes()) {
      const f = node.callFrame;
      const key = `${f.functionName}\u0000${f.url}\u0000${f.lineNumber}`;
      const row = byFunction.get(key) ?? { frame: f, bytes: 0 };
      row.bytes += node.selfSize;
      byFunction.set(key, row);
    }
    const biggest = [...byFunction.values()].sort((a, b) => b.bytes - a.bytes)[0]!;
    const first = within(table).getAllByRole('row')[1]!;
    expect(within(first).getByText(biggest.frame.functionName || '(anonymous)')).toBeInTheDocument();
    expect(first).toHaveTextContent(`${(biggest.bytes / 1024 / 1024).toFixed(1)} MiB`);
    if (biggest.frame.url) {
      expect(first).toHaveTextContent(`${biggest.frame.url.split('/').slice(-1)[0]}:${biggest.frame.lineNumber + 1}`);
    }
    const samples = heapProfile.samples!;
    expect(screen.getByText(new RegExp(`^${samples.length} sampled allocations, `))).toBeInTheDocument();
    expect((await screen.findByTestId('heap-flamegraph')).querySelector('canvas')).not.toBeNull();
    // and back to the CPU view
    fireEvent.click(screen.getByRole('radio', { name: 'CPU time' }));
    expect(await screen.findByTestId('flamegraph')).toBeInTheDocument();
    expect(screen.queryByRole('table', { name: 'Top allocations' })).not.toBeInTheDocument();
  });

  it('offers no heap view for a capture made without one, and asks for no heap profile', async () => {
    expect(meta.heap).toBe(false);
    const fake = installFakeGrafana({ answers });
    renderPage(paths.profile({ id: meta.id }));
    expect(await screen.findByTestId('flamegraph')).toBeInTheDocument();
    expect(screen.queryByRole('radio', { name: 'Heap allocations' })).not.toBeInTheDocument();
    expect(fake.requests.some((r) => r.url.endsWith('/heapprofile'))).toBe(false);
  });

  it('captures a profile of the chosen pod through the capture route and opens it', async () => {
    const started = { ...meta, state: 'capturing' };
    const fake = installFakeGrafana({
      answers: { ...answers, 'POST /api/v1/profiles': ok('/api/v1/profiles', started) },
    });
    renderPage(paths.profile({ chaincode: meta.chaincode, pod: meta.pod }));
    fireEvent.click(await screen.findByRole('button', { name: /Capture profile/ }));
    expect(await screen.findByRole('table', { name: 'Top functions' })).toBeInTheDocument();
    const post = fake.requests.find((r) => r.method === 'POST');
    expect(post).toMatchObject({ url: CAPTURE_URL, data: { pod: meta.pod, seconds: 10, heap: false } });
  });

  it('says how to turn profiling on when no pod runs with its inspector', async () => {
    const noInspector = { ...pods, pods: pods.pods.map(({ inspector, ...p }: { inspector?: string }) => p) };
    installFakeGrafana({ answers: { ...answers, '/api/v1/pods': ok('/api/v1/pods', noInspector) } });
    renderPage(paths.profile({ chaincode: 'marbles' }));
    expect(await screen.findByText(/Profiling is off for marbles/)).toBeInTheDocument();
    expect(screen.getByText('profile: true')).toBeInTheDocument();
  });

  it('shows why a capture was refused, in the exporter’s words', async () => {
    const refused: Recorded = {
      url: '/api/v1/profiles',
      status: 409,
      body: {
        error:
          'a profile of pod marbles-blue-org1-0 is being captured already (profile 0123456789abcdef); one capture at a time per pod: wait for it to finish',
      },
    };
    installFakeGrafana({ answers: { ...answers, 'POST /api/v1/profiles': refused } });
    renderPage(paths.profile({ chaincode: meta.chaincode }));
    fireEvent.click(await screen.findByRole('button', { name: /Capture profile/ }));
    expect(await screen.findByText(/one capture at a time per pod/)).toBeInTheDocument();
  });
});

describe('cpuProfileToFrame', () => {
  it('lays the call tree out depth first with totals that hold their children, idle left out', () => {
    const frame = cpuProfileToFrame(cpu);
    const [level, value, self, label] = frame.fields.map((f) => f.values as any[]) as [any[], any[], any[], any[]];
    expect(level[0]).toBe(0);
    expect(label[0]).toBe('total');
    expect(label.some((l: string) => l.startsWith('(idle)'))).toBe(false);
    // each node's total is its self plus its children's totals
    for (let i = 0; i < level.length; i++) {
      let children = 0;
      for (let j = i + 1; j < level.length && level[j] > level[i]; j++) {
        if (level[j] === level[i] + 1) {
          children += value[j];
        }
      }
      expect(Math.abs(value[i] - self[i] - children)).toBeLessThan(1e-6);
    }
    expect(label.some((l: string) => l.startsWith('simulateCpuWork '))).toBe(true);
  });

  it('never labels a frame like an Object.prototype member (the flame graph groups frames in a plain object by label)', () => {
    const node = (id: number, functionName: string, url: string, children: number[] = []) => ({
      id,
      callFrame: { functionName, scriptId: '0', url, lineNumber: 3, columnNumber: 0 },
      hitCount: 1,
      children,
    });
    const frame = cpuProfileToFrame({
      nodes: [
        node(1, '(root)', '', [2, 3, 4]),
        node(2, 'toString', ''),
        node(3, 'constructor', ''),
        node(4, 'hasOwnProperty', 'file:///cc/lib/a.js'),
      ],
      startTime: 0,
      endTime: 4000,
      samples: [2, 3, 4, 1],
      timeDeltas: [1000, 1000, 1000, 1000],
    } as any);
    const label = frame.fields.find((f) => f.name === 'label')!.values as string[];
    expect(label).toEqual(['total', 'toString (built-in)', 'constructor (built-in)', 'hasOwnProperty lib/a.js:4']);
    expect(label.filter((l) => l in Object.prototype)).toEqual([]);
  });
});

describe('heap profile', () => {
  it('lays the allocation tree out depth first in bytes, totals holding their children, the chaincode on its stacks', () => {
    const frame = heapProfileToFrame(heapProfile);
    const [level, value, self, label] = frame.fields.map((f) => f.values as any[]) as [any[], any[], any[], any[]];
    expect(frame.fields[1]!.config.unit).toBe('bytes');
    expect(label[0]).toBe('total');
    // the total is every node's own bytes (the tree V8 returns; its samples list may hold a few more)
    expect(value[0]).toBe(heapNodes().reduce((sum, { node }) => sum + node.selfSize, 0));
    for (let i = 0; i < level.length; i++) {
      let children = 0;
      for (let j = i + 1; j < level.length && level[j] > level[i]; j++) {
        if (level[j] === level[i] + 1) {
          children += value[j];
        }
      }
      expect(value[i] - self[i]).toBe(children);
    }
    expect(value.every((v: number) => v > 0)).toBe(true);
    // the marbles replica's own function is on an allocating stack (it allocates nothing itself)
    expect(label.some((l: string) => l.startsWith('simulateCpuWork '))).toBe(true);
  });

  it('sums a function over its stacks and counts a recursive one once in its total', () => {
    const f = (functionName: string, line: number) => ({
      functionName,
      url: `file:///app/${functionName}.js`,
      lineNumber: line,
      columnNumber: 0,
    });
    let id = 0;
    const node = (name: string, selfSize: number, children: HeapNode[] = []): HeapNode => ({
      callFrame: f(name, 9),
      selfSize,
      id: ++id,
      children,
    });
    const profile: HeapProfile = {
      head: {
        ...node('(root)', 0, [node('a', 100, [node('a', 50, [node('b', 10)])]), node('c', 0, [node('b', 30)])]),
        callFrame: { functionName: '(root)', url: '', lineNumber: -1, columnNumber: -1 },
      },
    };
    const rows = topAllocations(profile);
    expect(rows.map((r) => [r.functionName, r.selfBytes, r.totalBytes, r.location])).toEqual([
      ['a', 150, 160, 'app/a.js:10'],
      ['b', 40, 40, 'app/b.js:10'],
    ]);
    expect(rows[0]!.selfShare).toBeCloseTo(150 / 190);
    // and the recorded one: shares of the whole, largest first
    const recorded = topAllocations(heapProfile);
    expect(recorded.length).toBeGreaterThan(0);
    expect(recorded.every((r, i) => i === 0 || recorded[i - 1]!.selfBytes >= r.selfBytes)).toBe(true);
    expect(recorded.reduce((sum, r) => sum + r.selfShare, 0)).toBeLessThanOrEqual(1 + 1e-9);
  });
});
