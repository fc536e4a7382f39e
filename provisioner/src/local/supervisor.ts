import { spawn } from 'node:child_process';
import { mkdir, open, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { Endpoint } from '../spec/network';
import { isSameProcess, processStartTicks } from './procstat';

// Runs a network's processes detached from the `mictract` command that starts them, so they outlive
// it, and keeps what it needs to find them again in the network folder:
//   run/<name>.json   what was started, its pid and start time     logs/<name>.log   stdout + stderr
// `up` after a crash or a reboot sees which recorded processes are gone and starts them again.

export interface ProcessSpec {
  /** Unique in the network, used for file names: peer0.org1.example.com, marbles-org1-0, ... */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** Ports it listens on; it is healthy when every one accepts a connection. */
  readonly ports: readonly Endpoint[];
}

interface RunRecord {
  readonly spec: ProcessSpec;
  readonly pid: number;
  readonly startTicks: string;
  readonly startedAt: string;
}

export type ProcessState = 'healthy' | 'starting' | 'crashed';

export interface ProcessStatus {
  readonly name: string;
  readonly pid: number;
  readonly state: ProcessState;
  readonly startedAt: string;
  readonly ports: readonly Endpoint[];
  readonly log: string;
}

export class Supervisor {
  readonly runDir: string;
  readonly logDir: string;

  constructor(networkDir: string) {
    this.runDir = path.join(networkDir, 'run');
    this.logDir = path.join(networkDir, 'logs');
  }

  logFile(name: string): string {
    return path.join(this.logDir, `${name}.log`);
  }

  /** Starts the process unless the recorded one is still running; returns whether it was (re)started. */
  async ensure(spec: ProcessSpec): Promise<'started' | 'running'> {
    const record = await this.read(spec.name);
    if (record && (await isSameProcess(record.pid, record.startTicks))) return 'running';
    await this.start(spec);
    return 'started';
  }

  async start(spec: ProcessSpec): Promise<void> {
    await Promise.all([mkdir(this.runDir, { recursive: true, mode: 0o700 }), mkdir(this.logDir, { recursive: true, mode: 0o700 })]);
    const log = await open(this.logFile(spec.name), 'a', 0o600);
    try {
      await log.write(`--- ${new Date().toISOString()} starting ${spec.command} ${spec.args.join(' ')}\n`);
      const child = spawn(spec.command, [...spec.args], {
        cwd: spec.cwd,
        env: { ...process.env, ...spec.env },
        detached: true, // its own process group: survives us, and `stop` can signal it with its children
        stdio: ['ignore', log.fd, log.fd],
      });
      const pid = await new Promise<number>((resolve, reject) => {
        child.once('error', (err) => reject(new Error(`cannot start ${spec.name} (${spec.command}): ${err.message}`)));
        child.once('spawn', () => resolve(child.pid!));
      });
      child.unref();
      const startTicks = await processStartTicks(pid);
      if (startTicks === undefined) throw new Error(`${spec.name} exited at once; see ${this.logFile(spec.name)}`);
      await this.write({ spec, pid, startTicks, startedAt: new Date().toISOString() });
    } finally {
      await log.close();
    }
  }

  /** Every recorded process with its state: healthy (all ports answer), starting (running, not all answer) or crashed. */
  async status(): Promise<ProcessStatus[]> {
    const out: ProcessStatus[] = [];
    for (const record of await this.records()) {
      const alive = await isSameProcess(record.pid, record.startTicks);
      const state: ProcessState = !alive ? 'crashed' : (await allListening(record.spec.ports)) ? 'healthy' : 'starting';
      out.push({ name: record.spec.name, pid: record.pid, state, startedAt: record.startedAt, ports: record.spec.ports, log: this.logFile(record.spec.name) });
    }
    return out;
  }

  /** Waits until the process's ports all answer; fails early, with its log's tail, if it exits. */
  async waitHealthy(name: string, timeoutMs = 30_000): Promise<void> {
    const record = await this.read(name);
    if (!record) throw new Error(`${name} was never started`);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!(await isSameProcess(record.pid, record.startTicks))) {
        throw new Error(`${name} exited during start-up; last lines of ${this.logFile(name)}:\n${await this.tail(name)}`);
      }
      if (await allListening(record.spec.ports)) return;
      if (Date.now() > deadline) throw new Error(`${name} did not open ${portsOf(record.spec.ports)} within ${timeoutMs} ms; see ${this.logFile(name)}`);
      await delay(50);
    }
  }

  /** SIGTERM to the process group, SIGKILL after the grace period; forgets the process. */
  async stop(name: string, graceMs = 10_000): Promise<void> {
    const record = await this.read(name);
    if (!record) return;
    if (await isSameProcess(record.pid, record.startTicks)) {
      signalGroup(record.pid, 'SIGTERM');
      if (!(await this.exited(record, graceMs))) {
        signalGroup(record.pid, 'SIGKILL');
        // Return only once it is gone, so ports are free for whatever starts next.
        if (!(await this.exited(record, 10_000))) throw new Error(`${name} (pid ${record.pid}) survived SIGKILL; its record is kept`);
      }
    }
    await rm(this.recordFile(name), { force: true });
  }

  /** Stops every recorded process, in reverse start order (clients before what they depend on). */
  async stopAll(graceMs?: number): Promise<string[]> {
    const records = (await this.records()).sort((a, b) => b.startedAt.localeCompare(a.startedAt));
    for (const r of records) await this.stop(r.spec.name, graceMs);
    return records.map((r) => r.spec.name);
  }

  private async exited(record: RunRecord, withinMs: number): Promise<boolean> {
    const deadline = Date.now() + withinMs;
    while (await isSameProcess(record.pid, record.startTicks)) {
      if (Date.now() > deadline) return false;
      await delay(20);
    }
    return true;
  }

  async tail(name: string, lines = 20): Promise<string> {
    const text = await readFile(this.logFile(name), 'utf8').catch(() => '');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  }

  /** Every readable run record, by name. */
  private async records(): Promise<RunRecord[]> {
    const files = (await readdir(this.runDir).catch(() => [] as string[])).filter((f) => f.endsWith('.json')).sort();
    const records = await Promise.all(files.map((f) => this.read(f.slice(0, -'.json'.length))));
    return records.filter((r): r is RunRecord => r !== undefined);
  }

  private recordFile(name: string): string {
    return path.join(this.runDir, `${name}.json`);
  }

  private async read(name: string): Promise<RunRecord | undefined> {
    try {
      return JSON.parse(await readFile(this.recordFile(name), 'utf8')) as RunRecord;
    } catch {
      return undefined;
    }
  }

  private async write(record: RunRecord): Promise<void> {
    // Atomic, so a crash mid-write never leaves a record that cannot be read back.
    const file = this.recordFile(record.spec.name);
    await writeFile(`${file}.tmp`, JSON.stringify(record, null, 2), { mode: 0o600 });
    await rename(`${file}.tmp`, file);
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

function portsOf(ports: readonly Endpoint[]): string {
  return ports.map((p) => `${p.host}:${p.port}`).join(', ');
}

export async function allListening(ports: readonly Endpoint[]): Promise<boolean> {
  for (const p of ports) if (!(await isListening(p))) return false;
  return true;
}

export function isListening({ host, port }: Endpoint, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
