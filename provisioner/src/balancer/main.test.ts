import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

import { freePort, until } from '../testing/wait';

// The balancer process as the provisioner runs it: the built main.js in a child.

const MAIN = path.resolve(__dirname, '../../dist/balancer/main.js');

function run(args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN, ...args], (err, _stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr }));
  });
}

describe('balancer process (dist/balancer/main.js)', () => {
  beforeAll(() => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build (tsc --build) first`);
  });

  it.each([
    [['--listen', '127.0.0.1:1', '--replica', '127.0.0.1:2', '--org', 'Org 1!'], `--org: letters, digits, '.', '_' and '-', at most 128 (got "Org 1!")`],
    [['--listen', '127.0.0.1:1', '--replica', '127.0.0.1:2', '--chaincode', ''], '--chaincode: letters'],
    [['--listen', '127.0.0.1:1'], '--replica is required'],
  ])('refuses %j with exit 2 and says why', async (args, message) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).toContain('usage: balancer');
  });

  it('puts --chaincode and --org on every series it serves', async () => {
    const [listen, metrics] = [await freePort(), await freePort()];
    const child = spawn(process.execPath, [MAIN, '--listen', `127.0.0.1:${listen}`, '--replica', '127.0.0.1:1', '--metrics', `127.0.0.1:${metrics}`, '--chaincode', 'marbles', '--org', 'Org1MSP'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let text = '';
      await until(async () => {
        text = await fetch(`http://127.0.0.1:${metrics}/metrics`).then((r) => r.text(), () => '');
        return text.includes('mictract_balancer_replica_up');
      }, 'the balancer serving /metrics', 20_000);
      const series = text.split('\n').filter((l) => l.startsWith('mictract_balancer_'));
      expect(series.length).toBeGreaterThan(5);
      for (const s of series) {
        const labels = s.slice(s.indexOf('{') + 1, s.indexOf('}'));
        expect(labels.split(',')).toEqual(expect.arrayContaining(['chaincode="marbles"', 'org="Org1MSP"']));
      }
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  });
});
