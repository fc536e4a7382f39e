import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

// Test networks run side by side (two in one test, more across jest workers and benchmarks). Each
// needs tens of consecutive ports, and checking that they are free is not enough: two networks that
// check before either binds can pick overlapping ranges, and then one peer dials the other network's
// chaincode. So ranges are handed out in blocks, each claimed machine-wide by a lock file that names
// its owner's pid; a block whose owner died is taken over.

/** Below Linux's ephemeral range (32768+), where the OS never hands ports out by itself. */
export const FIRST = 20000;
const BLOCK = 200;
const BLOCKS = 60; // 20000–31999

export interface PortRange {
  readonly base: number;
  /** Gives the blocks back; safe to call twice. */
  release(): Promise<void>;
}

/** Where the claims are: one file per block, named by its first port, holding its owner's pid. */
export const lockDir = () => path.join(os.tmpdir(), `mictract-port-blocks-${os.userInfo().uid}`);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Claims one block's lock file; false when a live process holds it. */
async function claim(file: string): Promise<boolean> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(file, 'wx', 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      // an empty file is a claim being written right now: leave it to its owner
      if (!owner || alive(owner)) return false;
      await unlink(file).catch(() => undefined);
    }
  }
  return false;
}

/** Reserves `count` consecutive ports (rounded up to whole blocks) that no other reservation on this machine holds. */
export async function reservePortRange(count: number): Promise<PortRange> {
  const blocks = Math.max(1, Math.ceil(count / BLOCK));
  if (blocks > BLOCKS) throw new Error(`a network of ${count} ports does not fit in the test port range ${FIRST}-${FIRST + BLOCK * BLOCKS - 1}`);
  const dir = lockDir();
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const start = Math.floor(Math.random() * BLOCKS);
  for (let i = 0; i < BLOCKS; i++) {
    const first = (start + i) % BLOCKS;
    if (first + blocks > BLOCKS) continue;
    const files: string[] = [];
    let ok = true;
    for (let b = first; b < first + blocks && ok; b++) {
      const file = path.join(dir, String(FIRST + b * BLOCK));
      if (await claim(file)) files.push(file);
      else ok = false;
    }
    if (ok) {
      let released = false;
      return {
        base: FIRST + first * BLOCK,
        async release() {
          if (released) return;
          released = true;
          await Promise.all(files.map((f) => unlink(f).catch(() => undefined)));
        },
      };
    }
    await Promise.all(files.map((f) => unlink(f).catch(() => undefined)));
  }
  throw new Error(`every test port block in ${FIRST}-${FIRST + BLOCK * BLOCKS - 1} is held by a live process (see ${dir}); stop other test networks`);
}
