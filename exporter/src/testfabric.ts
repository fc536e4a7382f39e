import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

// Test support: real blocks from Fabric's own configtxgen (tools/fabric.sh builds or finds the
// binaries in the shared cache). Tests fail, never skip, when the binaries cannot be had.

const FABRIC_SH = path.resolve(__dirname, '../../tools/fabric.sh');

function run(file: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(file, args, { env, maxBuffer: 16 << 20 }, (err, stdout, stderr) => (err ? reject(new Error(`${file} ${args.join(' ')}: ${err.message}\n${stderr}`)) : resolve(stdout))),
  );
}

export interface FabricTools {
  readonly bin: string;
  /** Fabric's sampleconfig folder (configtx.yaml, msp/). */
  readonly config: string;
}

export async function fabricTools(line: '2.5' | '3.1' = '2.5'): Promise<FabricTools> {
  const bin = (await run(FABRIC_SH, [line])).trim();
  return { bin, config: path.join(path.dirname(bin), 'config') };
}

/** A genesis block made by configtxgen from the sampleconfig's single-MSP profile (SampleOrg). */
export async function sampleGenesisBlock(channel = 'testchannel'): Promise<{ bytes: Buffer; tools: FabricTools }> {
  const tools = await fabricTools('2.5');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mictract-configtxgen-'));
  try {
    const out = path.join(dir, 'genesis.block');
    await run(path.join(tools.bin, 'configtxgen'), ['-profile', 'SampleSingleMSPSolo', '-channelID', channel, '-outputBlock', out], { ...process.env, FABRIC_CFG_PATH: tools.config });
    return { bytes: await readFile(out), tools };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
