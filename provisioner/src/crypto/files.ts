/**
 * File writes for crypto material. Every write goes to a fresh temp file that is
 * renamed into place, so a crash never leaves a half-written key that a later run
 * would "keep", and a secret is never readable by others, not even for a moment.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';

export const SECRET_FILE_MODE = 0o600;
export const SECRET_DIR_MODE = 0o700;
export const PUBLIC_FILE_MODE = 0o644;

/** Creates a directory only its owner can enter (keystore/, tls/, ca/). */
export async function ensureSecretDir(dir: string): Promise<void> {
  await mkdir(path.dirname(dir), { recursive: true });
  await mkdir(dir, { mode: SECRET_DIR_MODE }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
  // Only ever narrows: fixes a pre-existing dir and a umask that dropped owner bits.
  await chmod(dir, SECRET_DIR_MODE);
}

async function writeAtomic(file: string, data: string, mode: number): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  // 'wx' + mode: the file is born with its final permissions; fchmod before any byte
  // is written pins the exact mode regardless of umask.
  const fh = await open(tmp, 'wx', mode);
  try {
    await fh.chmod(mode);
    await fh.writeFile(data);
  } catch (err) {
    await fh.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await fh.close();
  try {
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

export async function writeSecretFile(file: string, data: string): Promise<void> {
  await ensureSecretDir(path.dirname(file));
  await writeAtomic(file, data, SECRET_FILE_MODE);
}

export async function writePublicFile(file: string, data: string): Promise<void> {
  await writeAtomic(file, data, PUBLIC_FILE_MODE);
}

/** Writes a public file only when missing or different, so unchanged files keep their bytes and mtime. */
export async function ensurePublicFile(file: string, data: string): Promise<void> {
  if ((await readIfExists(file)) === data) return;
  await writePublicFile(file, data);
}

export async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
