import fs from 'fs';
import path from 'path';
import { fireEvent, screen, within } from '@testing-library/react';
import { installFakeGrafana, renderPage } from '../../testing/fakeGrafana';
import type { Recorded } from '../../testing/fixtures';
import { paths } from '../../paths';
import { CAPTURE_URL } from '../../api/profileApi';
import { cpuProfileToFrame } from '../flameGraphFrame';

// A profile recorded from a real exporter (bench/src/profilecost.ts --record): the marbles replica under
// the CPU-heavy workload, captured through POST /api/v1/profiles.

// the first render loads the page and @grafana/flamegraph (d3 compiled for jest): seconds on a loaded machine
jest.setTimeout(60_000);

const DIR = path.resolve(__dirname, '../../../fixtures/recorded/profiles');
const read = (f: string) => JSON.parse(fs.readFileSync(path.join(DIR, f), 'utf8'));
const meta = read('profile.json');
const cpu = read('profile.cpuprofile');
const list = read('profiles.json');
const pods = read('pods.json');
const ok = (url: string, body: unknown): Recorded => ({ url, status: 200, body });
const answers: Record<string, Recorded> = {
  '/api/v1/pods': ok('/api/v1/pods', pods),
  '/api/v1/profiles': ok('/api/v1/profiles', list),
  [`/api/v1/profiles/${meta.id}`]: ok(`/api/v1/profiles/${meta.id}`, meta),
  [`/api/v1/profiles/${meta.id}/cpuprofile`]: ok(`/api/v1/profiles/${meta.id}/cpuprofile`, cpu),
};

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
});
