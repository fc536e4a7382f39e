import { ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import path from 'node:path';

import { Conversation, EchoReplica, freePort, within } from './testing';

// The endpoint process as the provisioner runs it: the built main.js in a child.

const MAIN = path.resolve(__dirname, '../../dist/endpoint/main.js');

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN, ...args], (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Resolves with the first stdout line, or rejects with stderr if the process exits first. */
function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(out.slice(0, nl));
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code} before printing a line:\n${err}`)));
  });
}

describe('endpoint process (dist/endpoint/main.js)', () => {
  beforeAll(() => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build (tsc --build) first`);
  });

  it.each([
    [['--bogus', '1'], "'--bogus'"],
    [['--backend', '127.0.0.1:1'], '--listen is required'],
    [['--listen', '127.0.0.1:17010'], '--backend is required'],
    [
      ['--listen', 'nope', '--backend', '127.0.0.1:1'],
      '--listen: expected host:port (e.g. 127.0.0.1:17010), got "nope"',
    ],
    [['--listen', '127.0.0.1:1', '--backend', '127.0.0.1:99999'], '--backend: port must be 1-65535, got "99999"'],
    [['--listen', '127.0.0.1:1', '--backend', '127.0.0.1:2', '--connect-timeout-ms', 'soon'], '--connect-timeout-ms'],
    [['--listen', '127.0.0.1:1', '--backend'], "'--backend <value>' argument missing"],
  ])('%j exits 2 naming the flag', async (args, message) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).toContain('usage: endpoint --listen HOST:PORT --backend HOST:PORT');
    expect(r.stdout).toBe('');
  });

  it('says where it listens, carries connections, and exits 0 on SIGTERM', async () => {
    const replica = await EchoReplica.start('a');
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [MAIN, '--listen', `127.0.0.1:${port}`, '--backend', `127.0.0.1:${replica.port}`],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      expect(await within(firstLine(child), 'listening line')).toBe(`listening on 127.0.0.1:${port}`);
      const c = await Conversation.open({ host: '127.0.0.1', port });
      expect(await c.replica()).toBe('a');
      expect((await c.echo(Buffer.from('ping'))).toString()).toBe('ping');

      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      expect(await within(exited, 'exit after SIGTERM')).toEqual([0, null]);
      await within(c.closed, 'live connection dropped on SIGTERM');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await replica.close();
    }
  });
});
