import { execFile } from 'node:child_process';
import { copyFile, lstat, mkdir, mkdtemp, readFile, readdir, realpath, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Supervisor } from './local/supervisor';
import { until } from './testing/wait';

// The `mictract` command as a user runs it: the built CLI in a child process.

const CLI = path.resolve(__dirname, '../dist/cli.js');
const PROVISIONER = path.resolve(__dirname, '..');
const REPO = path.resolve(PROVISIONER, '..');
const EXAMPLE = path.join(REPO, 'examples/network.yaml');
// Each `mictract` run is a fresh Node process (~0.3 s idle, several seconds on a loaded 2-core
// machine): every test that runs it gets more than jest's default 5 s.
const SLOW = 60_000;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], opts: { env?: Record<string, string>; cwd?: string } = {}): Promise<Result> {
  return new Promise((resolve) => {
    execFile(file, args, { env: { ...process.env, ...opts.env }, cwd: opts.cwd }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const mictract = (args: string[], env: Record<string, string>): Promise<Result> => run('node', [CLI, ...args], { env });

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
    expect(r.stdout).toContain('network demo: Fabric 2.5, channel mychannel');
    expect(r.stdout).toMatch(/127\.0\.0\.1:17010 +orderer0\.example\.com listen/);
    expect(r.stdout).toMatch(/marbles-\w+-org2-1 sidecar metrics/);
  }, SLOW);

  it('up with a bad spec exits 2 with every problem, and writes and starts nothing', async () => {
    const bad = path.join(home, 'bad.yaml');
    await writeFile(bad, 'name: x\norderers: {nodes: 9}\norganizations: []\nchannel: {name: mychannel}\n');
    const r = await mictract(['up', bad], { MICTRACT_HOME: home });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('orderers.nodes: must be at most 5 Raft orderers');
    expect(r.stderr).toContain('organizations: must list at least one organization');
    expect(await readdir(home)).toEqual(['bad.yaml']);
  }, SLOW);

  it('up without the Fabric binaries exits 3, names what is missing and how to get it, and writes nothing', async () => {
    const emptyBin = path.join(home, 'bin');
    const r = await mictract(['up', EXAMPLE], { MICTRACT_HOME: path.join(home, 'state'), MICTRACT_FABRIC_BIN: emptyBin });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`Fabric binaries in ${emptyBin} lack peer, orderer, configtxgen, configtxlator, osnadmin, detect, build, release`);
    expect(r.stderr).toContain('MICTRACT_FABRIC_BIN');
    expect(r.stderr).toMatch(/✓ validate spec \(\d+\.\d+s\)/);
    expect(await readdir(home)).toEqual([]);
  }, SLOW);

  it('up names the one Fabric binary missing from MICTRACT_FABRIC_BIN, and writes nothing', async () => {
    const bin = path.join(home, 'bin');
    await mkdir(bin);
    // stand-ins that only exist: up checks for the files before it runs any of them
    for (const p of ['peer', 'orderer', 'configtxgen', 'osnadmin', 'detect', 'build', 'release']) await writeFile(path.join(bin, p), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
    const r = await mictract(['up', EXAMPLE], { MICTRACT_HOME: path.join(home, 'state'), MICTRACT_FABRIC_BIN: bin });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`Fabric binaries in ${bin} lack configtxlator;`);
    expect(await readdir(home)).toEqual(['bin']);
  }, SLOW);

  it('usage errors exit 2 with the usage; --version prints the version and exits 0', async () => {
    const unknown = await mictract(['frobnicate'], { MICTRACT_HOME: home });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    expect(unknown.stderr).toContain('Usage: mictract');
    const missing = await mictract(['validate'], { MICTRACT_HOME: home });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("missing required argument 'spec'");
    const option = await mictract(['status', '--bogus'], { MICTRACT_HOME: home });
    expect(option.code).toBe(2);
    expect(option.stderr).toContain("unknown option '--bogus'");
    const version = await mictract(['--version'], { MICTRACT_HOME: home });
    expect(version).toEqual({ code: 0, stdout: `${JSON.parse(await readFile(path.join(PROVISIONER, 'package.json'), 'utf8')).version}\n`, stderr: '' });
    expect(await readdir(home)).toEqual([]);
  }, SLOW);

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
  }, SLOW);
});

describe('mictract status and down', () => {
  let home: string;
  beforeEach(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'mictract-cli-'));
  });
  afterEach(async () => {
    // Stop first: the run records under home are how the processes are found; a test that failed
    // (or timed out) before `down` would otherwise leave them running with nothing pointing at them.
    await new Supervisor(path.join(home, 'networks', 'demo')).stopAll(2000);
    await rm(home, { recursive: true, force: true });
  });

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
  }, SLOW);

  it('names the networks it knows when the name is wrong or missing', async () => {
    const none = await mictract(['status'], { MICTRACT_HOME: home });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(`no network in ${home}: bring one up with \`mictract up <spec>\``);
    await mkdir(path.join(home, 'networks', 'a'), { recursive: true });
    await mkdir(path.join(home, 'networks', 'b'), { recursive: true });
    expect((await mictract(['status'], { MICTRACT_HOME: home })).stderr).toContain('2 networks in');
    expect((await mictract(['down', 'c'], { MICTRACT_HOME: home })).stderr).toContain('no network named "c" in');
  }, SLOW);
});

describe('npx mictract from the repo root', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'mictract-npx-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('npm links the mictract bin even before anything is built, as after `npm ci` in a fresh clone', async () => {
    // A workspace root with the provisioner's manifest (its bin, no dependencies) and only its
    // committed files: no dist/.
    const manifest = JSON.parse(await readFile(path.join(PROVISIONER, 'package.json'), 'utf8')) as { name: string; version: string; bin: Record<string, string> };
    await mkdir(path.join(root, 'provisioner'));
    await writeFile(path.join(root, 'package.json'), JSON.stringify({ name: 'root', private: true, workspaces: ['provisioner'] }));
    await writeFile(path.join(root, 'provisioner/package.json'), JSON.stringify({ name: manifest.name, version: manifest.version, bin: manifest.bin }));
    for (const file of Object.values(manifest.bin)) {
      if (file.startsWith('dist/')) continue; // built, so not there yet
      await mkdir(path.dirname(path.join(root, 'provisioner', file)), { recursive: true });
      await copyFile(path.join(PROVISIONER, file), path.join(root, 'provisioner', file));
    }
    const install = await run('npm', ['install', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: root });
    expect(install.stderr).not.toMatch(/ERR/);
    const bin = path.join(root, 'node_modules/.bin/mictract');
    expect((await lstat(bin)).isSymbolicLink()).toBe(true);
    expect(await realpath(bin)).toBe(await realpath(path.join(root, 'provisioner', manifest.bin.mictract!)));
    // not built yet: it says so, as a missing prerequisite
    const r = await run(bin, ['--version'], { cwd: root });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('mictract is not built');
    expect(r.stderr).toContain('npm run build');
  }, SLOW);

  it('npx mictract --version runs the built CLI from the repo root', async () => {
    const r = await run('npx', ['--no-install', 'mictract', '--version'], { cwd: REPO, env: { MICTRACT_HOME: root } });
    expect(r.stderr).toBe('');
    expect(r).toMatchObject({ code: 0, stdout: `${JSON.parse(await readFile(path.join(PROVISIONER, 'package.json'), 'utf8')).version}\n` });
  }, SLOW);
});
