import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Supervisor } from './local/supervisor';
import { until } from './testing/wait';

// The `mictract` command as a user runs it: the built CLI in a child process.

const CLI = path.resolve(__dirname, '../dist/cli.js');
const EXAMPLE = path.resolve(__dirname, '../../examples/network.yaml');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function mictract(args: string[], env: Record<string, string>): Promise<Result> {
  return new Promise((resolve) => {
    execFile('node', [CLI, ...args], { env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('mictract', () => {
  let home: string;
  beforeAll(async () => {
    await stat(CLI).catch(() => {
      throw new Error(`${CLI} is missing: run \`npm run build\` first`);
    });
  });
  beforeEach(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'mictract-cli-'));
  });
  afterEach(() => rm(home, { recursive: true, force: true }));

  it('validate prints every port of the example network', async () => {
    const r = await mictract(['validate', EXAMPLE], { MICTRACT_HOME: home });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('network demo: channel mychannel');
    expect(r.stdout).toMatch(/127\.0\.0\.1:17000 +orderer0\.example\.com listen/);
    expect(r.stdout).toMatch(/marbles-org2-1 sidecar metrics/);
  });

  it('up with a bad spec exits 2 with every problem, and writes and starts nothing', async () => {
    const bad = path.join(home, 'bad.yaml');
    await writeFile(bad, 'name: x\norderers: {nodes: 9}\norganizations: []\nchannel: {name: mychannel}\n');
    const r = await mictract(['up', bad], { MICTRACT_HOME: home });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('orderers.nodes: must be at most 5 Raft orderers');
    expect(r.stderr).toContain('organizations: must list at least one organization');
    expect(await readdir(home)).toEqual(['bad.yaml']);
  });

  it('up without the Fabric binaries exits 3, names what is missing and how to get it, and writes nothing', async () => {
    const emptyBin = path.join(home, 'bin');
    const r = await mictract(['up', EXAMPLE], { MICTRACT_HOME: path.join(home, 'state'), MICTRACT_FABRIC_BIN: emptyBin });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`Fabric binaries not found in ${emptyBin}: peer, orderer, configtxgen, osnadmin, detect, build, release`);
    expect(r.stderr).toContain('MICTRACT_FABRIC_BIN');
    expect(r.stderr).toMatch(/✓ validate spec \(\d+\.\d+s\)/);
    expect(await readdir(home)).toEqual([]);
  });

  it('up with Fabric binaries present gets past the checks, writes the crypto material, and says plainly what is not written yet', async () => {
    const bin = path.join(home, 'bin');
    await mkdir(bin);
    // stand-ins that only exist: up checks for the files before it runs any of them
    for (const p of ['peer', 'orderer', 'configtxgen', 'osnadmin', 'detect', 'build', 'release']) await writeFile(path.join(bin, p), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
    const spec = path.join(home, 'net.yaml');
    await writeFile(spec, (await readFile(EXAMPLE, 'utf8')).replace('base: 17000', `base: ${20000 + Math.floor(Math.random() * 12000)}`).replace('path: marbles', `path: ${path.dirname(EXAMPLE)}/marbles`));
    const r = await mictract(['up', spec], { MICTRACT_HOME: path.join(home, 'state'), MICTRACT_FABRIC_BIN: bin });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/✓ crypto material \(.*\): \d+ created, 0 kept/);
    expect(r.stderr).toContain('blocked: starting orderers and peers is not written yet');
  });

  it('crypto writes the MSP tree into the network folder, private keys 0600, and keeps it on a second run', async () => {
    const first = await mictract(['crypto', EXAMPLE], { MICTRACT_HOME: home });
    expect(first.code).toBe(0);
    const dir = path.join(home, 'networks', 'demo', 'crypto');
    expect(first.stdout.trim()).toBe(dir);
    expect(first.stderr).toMatch(/✓ crypto material in .*: (\d+) created, 0 kept/);
    const key = path.join(dir, 'peerOrganizations/org1.example.com/users/User1@org1.example.com/msp/keystore/priv_sk');
    expect((await stat(key)).mode & 0o777).toBe(0o600);
    const second = await mictract(['crypto', EXAMPLE], { MICTRACT_HOME: home });
    expect(second.stderr).toMatch(/: 0 created, \d+ kept/);
  });
});

describe('mictract status and down', () => {
  let home: string;
  beforeEach(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'mictract-cli-'));
  });
  afterEach(() => rm(home, { recursive: true, force: true }));

  const listener = (name: string) => ({ name, command: process.execPath, args: ['-e', "require('net').createServer().listen(0, '127.0.0.1')"], ports: [] });

  it('status shows each process with its state and exits 4 when one crashed; down stops them; --purge deletes the state', async () => {
    const sup = new Supervisor(path.join(home, 'networks', 'demo'));
    await sup.start(listener('peer0.org1.example.com'));
    await sup.start(listener('marbles-org1-0'));
    const victim = (await sup.status()).find((p) => p.name === 'marbles-org1-0')!;
    process.kill(victim.pid, 'SIGKILL');
    await until(async () => (await sup.status()).find((p) => p.name === 'marbles-org1-0')?.state === 'crashed');

    const status = await mictract(['status'], { MICTRACT_HOME: home });
    expect(status.stdout).toMatch(/peer0\.org1\.example\.com +healthy +\d+/);
    expect(status.stdout).toMatch(/marbles-org1-0 +crashed/);
    expect(status.code).toBe(4);

    const down = await mictract(['down', 'demo'], { MICTRACT_HOME: home });
    expect(down.code).toBe(0);
    expect(down.stderr).toMatch(/✓ stop processes of demo \(.*\): 2 stopped/);
    expect((await mictract(['status'], { MICTRACT_HOME: home })).stdout).toContain('network demo: no processes (down)');
    await mictract(['down', '--purge'], { MICTRACT_HOME: home });
    expect(await readdir(path.join(home, 'networks'))).toEqual([]);
  });

  it('names the networks it knows when the name is wrong or missing', async () => {
    const none = await mictract(['status'], { MICTRACT_HOME: home });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(`no network in ${home}: bring one up with \`mictract up <spec>\``);
    await mkdir(path.join(home, 'networks', 'a'), { recursive: true });
    await mkdir(path.join(home, 'networks', 'b'), { recursive: true });
    expect((await mictract(['status'], { MICTRACT_HOME: home })).stderr).toContain('2 networks in');
    expect((await mictract(['down', 'c'], { MICTRACT_HOME: home })).stderr).toContain('no network named "c" in');
  });
});
