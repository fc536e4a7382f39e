import { spawn } from 'node:child_process';
import { mkdir, open, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Endpoint } from '../networkspec/network';
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
  /** Ports it listens on; it is healthy when every one accepts a connection (and `health` answers 200). */
  readonly ports: readonly Endpoint[];
  /** An HTTP health URL (Fabric's operations /healthz); when set, health means it answers 200. */
  readonly health?: string;
  /** A log line that must appear after start before the process counts as ready (e.g. the peer's `Started peer with ID`). */
  readonly readyLine?: string;
  /** Where the process keeps its data (ledger), for status and clean-up messages. */
  readonly dataDir?: string;
}

/** A run record exists but cannot be read: its process may be running, so nothing is assumed. */
export class RunRecordError extends Error {
  override name = 'RunRecordError';
}

/** Logs past this size are rotated (one old generation kept) when their process is started again. */
/** Written to the log at every start, so readiness lines are looked for only after the latest one. */
const START_MARKER = '--- mictract: ';

const MAX_LOG_BYTES = 20 * 1024 * 1024;

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

  /**
   * Starts the process unless the recorded one is still running with the same spec; a running process
   * whose spec changed (a new package ID, other flags) is stopped and started anew.
   */
  async ensure(spec: ProcessSpec): Promise<'started' | 'running' | 'restarted'> {
    const record = await this.read(spec.name);
    if (record && (await isSameProcess(record.pid, record.startTicks))) {
      if (JSON.stringify(record.spec) === JSON.stringify(spec)) return 'running';
      await this.stop(spec.name);
      await this.start(spec);
      return 'restarted';
    }
    await this.start(spec);
    return 'started';
  }

  async start(spec: ProcessSpec): Promise<void> {
    await Promise.all([mkdir(this.runDir, { recursive: true, mode: 0o700 }), mkdir(this.logDir, { recursive: true, mode: 0o700 })]);
    await rotateLog(this.logFile(spec.name));
    const log = await open(this.logFile(spec.name), 'a', 0o600);
    try {
      await log.write(`${START_MARKER}${new Date().toISOString()} starting ${spec.command} ${spec.args.join(' ')}\n`);
      const child = spawn(spec.command, [...spec.args], {
        cwd: spec.cwd,
        // An explicit environment: a user's shell that exports CORE_PEER_* or ORDERER_* must not
        // silently reconfigure the network's processes.
        // Node processes (replicas, sidecars, balancers, the exporter) share an on-disk compile cache:
        // a network starts many at once, and compiling their modules was most of that burst.
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/', LANG: 'C.UTF-8', NODE_COMPILE_CACHE: path.join(os.tmpdir(), 'mictract-node-compile-cache'), ...spec.env },
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
      const state: ProcessState = !alive ? 'crashed' : (await isHealthy(record.spec)) ? 'healthy' : 'starting';
      out.push({ name: record.spec.name, pid: record.pid, state, startedAt: record.startedAt, ports: record.spec.ports, log: this.logFile(record.spec.name) });
    }
    return out;
  }

  /**
   * Waits until the process is healthy (its ports answer, its health URL says 200, its ready line is
   * logged); fails early, with its log's tail, if it exits.
   */
  async waitHealthy(name: string, timeoutMs = 60_000): Promise<void> {
    const record = await this.read(name);
    if (!record) throw new Error(`${name} was never started`);
    const deadline = Date.now() + timeoutMs;
    for (let pause = 20; ; pause = Math.min(pause * 2, 250)) {
      if (!(await isSameProcess(record.pid, record.startTicks))) {
        throw new ProcessFailedError(name, this.logFile(name), `exited during start-up`, await this.tail(name));
      }
      if ((await isHealthy(record.spec)) && (record.spec.readyLine === undefined || (await this.loggedSinceStart(name, record.spec.readyLine)))) return;
      if (Date.now() > deadline) {
        throw new ProcessFailedError(name, this.logFile(name), `was not healthy within ${timeoutMs} ms (${portsOf(record.spec.ports)}${record.spec.health ? `, ${record.spec.health}` : ''})`, await this.tail(name));
      }
      await delay(pause);
    }
  }

  /** Whether `line` appears in the log after the last start marker. */
  private async loggedSinceStart(name: string, line: string): Promise<boolean> {
    const text = await readFile(this.logFile(name), 'utf8').catch(() => '');
    // after the marker line itself, which quotes the command (and could quote the line looked for)
    const marker = text.lastIndexOf(START_MARKER);
    const from = marker < 0 ? 0 : text.indexOf('\n', marker) + 1;
    return from > 0 || marker < 0 ? text.indexOf(line, from) >= 0 : false;
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

  /**
   * Processes whose latest log lines hold errors (Fabric's ERRO/PANI/FATA levels, or a Node
   * stack), with those lines: what `up` shows when a step fails for a reason a process logged.
   */
  async recentErrors(lines = 40): Promise<{ name: string; log: string; lines: string[] }[]> {
    const out: { name: string; log: string; lines: string[] }[] = [];
    for (const record of await this.records()) {
      const tail = (await this.tail(record.spec.name, lines)).split('\n');
      const bad = tail.filter((l) => /\b(ERRO|PANI|FATA)\b|^\s*Error:|Unhandled/.test(l)).slice(-5);
      if (bad.length > 0) out.push({ name: record.spec.name, log: this.logFile(record.spec.name), lines: bad });
    }
    return out;
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
    let text: string;
    try {
      text = await readFile(this.recordFile(name), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new RunRecordError(`cannot read ${this.recordFile(name)}: ${(err as Error).message}; its process may still run — check it, then delete the file`);
    }
    try {
      return JSON.parse(text) as RunRecord;
    } catch {
      // never drop it silently: the process it names could be orphaned
      throw new RunRecordError(`${this.recordFile(name)} is not valid JSON; its process may still run — stop it by hand (see ${this.logFile(name)}), then delete the file`);
    }
  }

  private async write(record: RunRecord): Promise<void> {
    // Atomic, so a crash mid-write never leaves a record that cannot be read back.
    const file = this.recordFile(record.spec.name);
    await writeFile(`${file}.tmp`, JSON.stringify(record, null, 2), { mode: 0o600 });
    await rename(`${file}.tmp`, file);
  }
}

/** A process that exited or never became healthy: names it, its log, and the log's last lines. */
export class ProcessFailedError extends Error {
  override name = 'ProcessFailedError';
  constructor(
    readonly processName: string,
    readonly log: string,
    what: string,
    readonly tail: string,
  ) {
    super(`${processName} ${what}; last lines of ${log}:\n${tail.split('\n').map((l) => `  | ${l}`).join('\n')}`);
  }
}

async function rotateLog(file: string): Promise<void> {
  const size = await stat(file).then((s) => s.size, () => 0);
  if (size > MAX_LOG_BYTES) await rename(file, `${file}.1`);
}

/** Healthy: every port accepts, and the health URL (if any) answers 200. */
export async function isHealthy(spec: Pick<ProcessSpec, 'ports' | 'health'>): Promise<boolean> {
  if (!(await allListening(spec.ports))) return false;
  if (spec.health === undefined) return true;
  try {
    const res = await fetch(spec.health, { signal: AbortSignal.timeout(1000) });
    await res.body?.cancel();
    return res.status === 200;
  } catch {
    return false;
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
