import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ProfileApi, PROFILE_TOKEN_HEADER } from './profileapi';
import { ProfileStore } from './profilestore';
import { captureProfile } from './capture';
import { loadOpenApi, responseSchema, validate } from '../testopenapi';

// The profile API against a real Node.js process with its inspector on loopback (a busy loop in a
// named function stands in for a chaincode replica), with the header the app's route adds.

const TOKEN = 'a'.repeat(43);
const BUSY = `
function spinForAWhile() { const until = Date.now() + 15; let x = 1; while (Date.now() < until) { x = (x * 48271) % 2147483647; } return x; }
setInterval(spinForAWhile, 20);
process.stdout.write('ready\\n');
`;

let dir: string;
let child: ChildProcess;
let inspector: string;
let podsFile: string;

/** Starts the busy process with --inspect on a free loopback port, and finds that port from its stderr. */
async function startInspected(): Promise<{ child: ChildProcess; inspector: string }> {
  // --no-use-osr as the local target starts profiled replicas (chaincoderuntime.ts says why)
  const proc = spawn(process.execPath, ['--inspect=127.0.0.1:0', '--no-use-osr', '-e', BUSY], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  const address = await new Promise<string>((resolve, reject) => {
    proc.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /ws:\/\/(127\.0\.0\.1:\d+)\//.exec(err);
      if (m) resolve(m[1]!);
    });
    proc.once('exit', () => reject(new Error(`the inspected process exited: ${err}`)));
  });
  return { child: proc, inspector: address };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mictract-profileapi-'));
  ({ child, inspector } = await startInspected());
  podsFile = path.join(dir, 'pods.json');
  await writeFile(
    podsFile,
    JSON.stringify({
      pods: [
        { name: 'marbles-blue-org1-0', chaincode: 'marbles', org: 'Org1MSP', inspector },
        { name: 'marbles-blue-org1-1', chaincode: 'marbles', org: 'Org1MSP' },
        { name: 'remote-0', chaincode: 'marbles', org: 'Org1MSP', inspector: '10.0.0.7:9229' },
      ],
    }),
  );
});
afterAll(async () => {
  child?.kill();
  await rm(dir, { recursive: true, force: true });
});

const post = (api: ProfileApi, body: unknown, token: string | null = TOKEN) =>
  api.handle({ method: 'POST', url: '/api/v1/profiles', headers: token === null ? {} : { [PROFILE_TOKEN_HEADER]: token }, body: typeof body === 'string' ? body : JSON.stringify(body) });
const get = (api: ProfileApi, url: string) => api.handle({ method: 'GET', url, headers: {} });

async function finished(api: ProfileApi, id: string): Promise<{ state: string; report?: { bySelf: { functionName: string }[] } }> {
  for (;;) {
    const r = await get(api, `/api/v1/profiles/${id}`);
    const body = r.body as { state: string };
    if (body.state !== 'capturing') return body;
    await new Promise((res) => setTimeout(res, 100));
  }
}

describe('profile API', () => {
  it('captures a pod through its inspector, keeps it, and serves its report and its .cpuprofile', async () => {
    const api = new ProfileApi({ podsFile, token: TOKEN });
    const started = await post(api, { pod: 'marbles-blue-org1-0', seconds: 1 });
    expect(started.status).toBe(202);
    const { id } = started.body as { id: string };
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    const done = await finished(api, id);
    expect(done.state).toBe('done');
    expect(done.report!.bySelf.slice(0, 5).map((r) => r.functionName)).toContain('spinForAWhile');
    const cpu = await get(api, `/api/v1/profiles/${id}/cpuprofile`);
    expect(cpu.status).toBe(200);
    expect(cpu.body).toMatchObject({ nodes: expect.any(Array), startTime: expect.any(Number), endTime: expect.any(Number) });
    expect((await get(api, `/api/v1/profiles/${id}/heapprofile`)).status).toBe(404);
    const list = (await get(api, '/api/v1/profiles')).body as { profiles: { id: string }[]; limits: { maxSeconds: number; captureEnabled: boolean } };
    expect(list.profiles.map((p) => p.id)).toEqual([id]);
    expect(list.limits).toMatchObject({ maxSeconds: 60, captureEnabled: true });
  });

  it('refuses a second capture of the same pod while one runs, here and from another capturer', async () => {
    const api = new ProfileApi({ podsFile, token: TOKEN });
    const first = await post(api, { pod: 'marbles-blue-org1-0', seconds: 2 });
    expect(first.status).toBe(202);
    const second = await post(api, { pod: 'marbles-blue-org1-0', seconds: 1 });
    expect(second.status).toBe(409);
    expect((second.body as { error: string }).error).toMatch(/is being captured already .*one capture at a time per pod/);
    // another exporter (or the CLI) is refused by the replica's own lock
    const other = new ProfileApi({ podsFile, token: TOKEN });
    const third = await post(other, { pod: 'marbles-blue-org1-0', seconds: 1 });
    expect(third.status).toBe(409);
    expect((third.body as { error: string }).error).toContain(`a profile of this replica is being captured already (by the exporter (profile ${(first.body as { id: string }).id})`);
    expect((await finished(api, (first.body as { id: string }).id)).state).toBe('done');
  });

  it('accepts only the route token, bounded durations, known pods with a loopback inspector', async () => {
    const api = new ProfileApi({ podsFile, token: TOKEN });
    const error = (r: { body: unknown }) => (r.body as { error: string }).error;
    for (const token of [null, '', 'b'.repeat(43), TOKEN.slice(1)]) {
      const r = await post(api, { pod: 'marbles-blue-org1-0', seconds: 1 }, token);
      expect([r.status, error(r)]).toEqual([403, expect.stringContaining("only the Mictract app's data-proxy route may capture profiles")]);
    }
    for (const seconds of [0, 61, 3600, 1.5, '10']) {
      const r = await post(api, { pod: 'marbles-blue-org1-0', seconds });
      expect([seconds, r.status, error(r)]).toEqual([seconds, 400, expect.stringContaining("seconds: the capture's duration must be a whole number of seconds from 1 to 60")]);
    }
    expect(await post(api, { pod: 'nope' })).toMatchObject({ status: 404 });
    expect(await post(api, 'not json')).toMatchObject({ status: 400 });
    expect(await post(api, { pod: '../../etc/passwd' })).toMatchObject({ status: 400 });
    const off = await post(api, { pod: 'marbles-blue-org1-1' });
    expect([off.status, error(off)]).toEqual([409, expect.stringContaining('profiling is off for chaincode marbles; add profile: true')]);
    const remote = await post(api, { pod: 'remote-0' });
    expect([remote.status, error(remote)]).toEqual([409, expect.stringContaining('is not on loopback')]);
    expect(api.store.list()).toEqual([]);
  });

  it('is off without a token, and never changes anything on GET', async () => {
    const api = new ProfileApi({ podsFile });
    const r = await post(api, { pod: 'marbles-blue-org1-0', seconds: 1 }, 'anything');
    expect([r.status, (r.body as { error: string }).error]).toEqual([403, expect.stringContaining('profile capture is off in this exporter')]);
    expect((await api.handle({ method: 'DELETE', url: '/api/v1/profiles', headers: {} })).status).toBe(405);
    expect((await get(api, '/api/v1/profiles/zz')).status).toBe(400);
    expect((await get(api, '/api/v1/profiles/0123456789abcdef')).status).toBe(404);
  });
});

describe('profile store', () => {
  const meta = (id: string) => ({ id, pod: 'p', chaincode: 'c', org: 'o', seconds: 1, heap: false, requestedAt: '', state: 'capturing' as const, bytes: 0 });

  it('keeps at most maxProfiles and maxBytes, dropping the oldest finished ones, never one being captured', () => {
    const store = new ProfileStore(2, 1000);
    store.add(meta('a'));
    store.add(meta('b'));
    store.add(meta('c')); // all capturing: none may go
    expect(store.list().map((m) => m.id)).toEqual(['c', 'b', 'a']);
    store.finish('a', {}, 10, new Date());
    store.add(meta('d'));
    expect(store.list().map((m) => m.id)).toEqual(['d', 'c', 'b']);
    store.finish('b', {}, 900, new Date());
    store.finish('c', {}, 900, new Date()); // 1800 bytes > 1000: b goes
    expect(store.list().map((m) => m.id)).toEqual(['d', 'c']);
  });
});

describe('captureProfile', () => {
  it('refuses an inspector beyond loopback before dialling it', async () => {
    await expect(captureProfile('192.0.2.1:9229', { seconds: 1 })).rejects.toThrow(/is not on loopback: an inspector is a debugger/);
  });
});

describe('profile API, checked against openapi.yaml', () => {
  const doc = loadOpenApi();
  const exercised = new Set<string>();
  const conforms = (template: string, method: string, r: { status: number; body: unknown }) => {
    exercised.add(template);
    expect(validate(doc, responseSchema(doc, template, method, r.status), r.body)).toEqual([]);
  };

  it('answers every documented profile path and status as documented', async () => {
    const api = new ProfileApi({ podsFile, token: TOKEN });
    const started = await post(api, { pod: 'marbles-blue-org1-0', seconds: 1, heap: true });
    expect(started.status).toBe(202);
    conforms('/profiles', 'post', started);
    const { id } = started.body as { id: string };
    expect((await finished(api, id)).state).toBe('done');
    const list = await get(api, '/api/v1/profiles');
    expect(list.status).toBe(200);
    conforms('/profiles', 'get', list);
    const one = await get(api, `/api/v1/profiles/${id}`);
    expect(one.status).toBe(200);
    conforms('/profiles/{id}', 'get', one);
    for (const kind of ['cpuprofile', 'heapprofile']) {
      const file = await get(api, `/api/v1/profiles/${id}/${kind}`);
      expect(file.status).toBe(200);
      conforms(`/profiles/{id}/${kind}`, 'get', file);
    }
    for (const [body, token, status] of [
      [{ pod: 'marbles-blue-org1-0', seconds: 600 }, TOKEN, 400],
      [{ pod: 'marbles-blue-org1-0' }, 'wrong', 403],
      [{ pod: 'marbles-blue-org1-1' }, TOKEN, 409],
    ] as const) {
      const r = await post(api, body, token);
      expect(r.status).toBe(status);
      conforms('/profiles', 'post', r);
    }
    expect(exercised).toEqual(new Set(Object.keys(doc.paths).filter((p) => p.startsWith('/profiles'))));
  });
});
