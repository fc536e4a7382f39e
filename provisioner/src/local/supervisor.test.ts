import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Supervisor, type ProcessSpec } from './supervisor';
import { processStartTicks } from './procstat';
import { freePort, until } from '../testing/wait';

// Real detached processes: a small TCP server, run with the same node binary as the tests.


const server = (name: string, port: number, extra = ''): ProcessSpec => ({
  name,
  command: process.execPath,
  args: ['-e', `${extra}; require('net').createServer(s => s.end('${name}')).listen(${port}, '127.0.0.1', () => console.log('${name} ready'))`],
  ports: [{ host: '127.0.0.1', port }],
});

describe('Supervisor', () => {
  let dir: string;
  let sup: Supervisor;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mictract-sup-'));
    sup = new Supervisor(dir);
  });
  afterEach(async () => {
    await sup.stopAll(2000);
    await rm(dir, { recursive: true, force: true });
  });

  it('starts a process that outlives its starter, logs it, and reports it healthy', async () => {
    const port = await freePort();
    await sup.start(server('a', port));
    await sup.waitHealthy('a');
    const [a] = await sup.status();
    expect(a).toMatchObject({ name: 'a', state: 'healthy', ports: [{ host: '127.0.0.1', port }] });
    expect(await readFile(sup.logFile('a'), 'utf8')).toContain('a ready');
    expect((await readFile(path.join(dir, 'run', 'a.json'), 'utf8')).length).toBeGreaterThan(0);
  });

  it('reports a killed process as crashed, and ensure() restarts it; a running one is left alone', async () => {
    const port = await freePort();
    await sup.start(server('a', port));
    await sup.waitHealthy('a');
    const first = (await sup.status())[0]!;
    expect(await sup.ensure(server('a', port))).toBe('running');
    expect((await sup.status())[0]!.pid).toBe(first.pid);

    process.kill(first.pid, 'SIGKILL');
    await until(async () => (await sup.status())[0]?.state === 'crashed', 'the killed process seen as crashed');
    expect(await sup.ensure(server('a', port))).toBe('started');
    await sup.waitHealthy('a');
    const again = (await sup.status())[0]!;
    expect(again.state).toBe('healthy');
    expect(again.pid).not.toBe(first.pid);
  });

  it('never takes, or signals, another program that got a recorded pid', async () => {
    // A record pointing at this very jest process, with a start time that is not its own.
    await mkdir(path.join(dir, 'run'), { recursive: true });
    const spec = server('ghost', 1);
    await writeFile(path.join(dir, 'run', 'ghost.json'), JSON.stringify({ spec, pid: process.pid, startTicks: '1', startedAt: new Date().toISOString() }));
    expect((await sup.status())[0]).toMatchObject({ name: 'ghost', state: 'crashed' });
    await sup.stop('ghost', 100); // must not SIGTERM us
    expect(await processStartTicks(process.pid)).toBeDefined();
    expect(await sup.status()).toEqual([]);
  });

  it('stops with SIGTERM, and with SIGKILL a process that ignores it; stopAll forgets everything', async () => {
    const [p1, p2] = [await freePort(), await freePort()];
    await sup.start(server('polite', p1));
    await sup.start(server('stubborn', p2, "process.on('SIGTERM', () => console.log('ignoring SIGTERM'))"));
    await Promise.all([sup.waitHealthy('polite'), sup.waitHealthy('stubborn')]);
    const procs = await sup.status();
    const stopped = await sup.stopAll(300);
    expect(stopped.sort()).toEqual(['polite', 'stubborn']);
    // gone when stopAll returns, not some time later
    for (const p of procs) expect(await processStartTicks(p.pid)).toBeUndefined();
    expect(await readFile(sup.logFile('stubborn'), 'utf8')).toContain('ignoring SIGTERM');
    expect(await sup.status()).toEqual([]);
  });

  it('a process that dies during start-up fails waitHealthy at once with its last log lines', async () => {
    await sup.start({ name: 'broken', command: process.execPath, args: ['-e', "console.error('bad config: no such key'); process.exit(3)"], ports: [{ host: '127.0.0.1', port: await freePort() }] });
    await expect(sup.waitHealthy('broken', 20_000)).rejects.toThrow(/broken exited during start-up; last lines of .*broken\.log:\n[\s\S]*bad config: no such key/);
  });

  it('a command that does not exist is a clear error', async () => {
    await expect(sup.start({ name: 'x', command: '/nonexistent/peer', args: [], ports: [] })).rejects.toThrow('cannot start x (/nonexistent/peer): spawn /nonexistent/peer ENOENT');
  });

  it("gives a process only its own environment: a shell's CORE_PEER_* never reaches it", async () => {
    const port = await freePort();
    process.env.CORE_PEER_ID = 'from-the-users-shell';
    try {
      await sup.start({ ...server('env', port, "console.log('env:' + JSON.stringify(process.env))"), env: { MINE: 'yes' } });
      await sup.waitHealthy('env');
    } finally {
      delete process.env.CORE_PEER_ID;
    }
    const line = (await readFile(sup.logFile('env'), 'utf8')).split('\n').find((l) => l.startsWith('env:'))!;
    const env = JSON.parse(line.slice(4)) as Record<string, string>;
    expect(env.MINE).toBe('yes');
    expect(env.CORE_PEER_ID).toBeUndefined();
    expect(Object.keys(env).sort()).toEqual(['HOME', 'LANG', 'MINE', 'NODE_COMPILE_CACHE', 'PATH']);
  });

  it('restarts a running process whose spec changed, and keeps one whose spec did not', async () => {
    const port = await freePort();
    expect(await sup.ensure(server('v', port))).toBe('started');
    await sup.waitHealthy('v');
    expect(await sup.ensure(server('v', port))).toBe('running');
    const before = (await sup.status())[0]!.pid;
    expect(await sup.ensure({ ...server('v', port), env: { PACKAGE_ID: 'marbles_1.1:abc' } })).toBe('restarted');
    await sup.waitHealthy('v');
    expect((await sup.status())[0]!.pid).not.toBe(before);
  });

  it('refuses an unreadable run record instead of forgetting its process', async () => {
    await mkdir(path.join(dir, 'run'), { recursive: true });
    await writeFile(path.join(dir, 'run', 'broken.json'), '{not json');
    await expect(sup.status()).rejects.toThrow(/broken\.json is not valid JSON; its process may still run/);
    await rm(path.join(dir, 'run', 'broken.json'));
  });

  it('waits for a ready line in the log, not just an open port', async () => {
    const port = await freePort();
    const go = path.join(dir, 'go');
    // the port opens at once; the ready line comes only once the test creates `go`
    const waitForGo = `const t = setInterval(() => { if (require('fs').existsSync(${JSON.stringify(go)})) { clearInterval(t); console.log('Started peer with ID'); } }, 10)`;
    await sup.start({ ...server('late', port, waitForGo), readyLine: 'Started peer with ID' });
    let ready = false;
    const waiting = sup.waitHealthy('late').then(() => (ready = true));
    await until(async () => (await sup.status())[0]?.state === 'healthy', 'port open');
    expect(ready).toBe(false);
    await writeFile(go, '');
    await waiting;
    expect(await readFile(sup.logFile('late'), 'utf8')).toContain('Started peer with ID');
  });
});
