#!/usr/bin/env node
import path from 'node:path';
import { Command, Option } from 'commander';
import { generateCrypto } from './crypto';
import { BlockedError, locateFabricBinaries } from './fabricbinaries';
import { cryptoSpecOf } from './networkcrypto';
import { consoleProgress } from './progress';
import { SpecError, assertPortsFree, listeners, loadSpec } from './spec';
import { Supervisor } from './local/supervisor';
import { UsageError, cryptoDir, networkDir, resolveNetworkDir } from './statedir';
import { rm } from 'node:fs/promises';

// `mictract`: the provisioner's command line. Errors a user can fix exit 2 with the message only;
// a missing prerequisite (Fabric binaries) exits 3; anything else is a bug and shows its stack.

const program = new Command('mictract')
  .description('Bring up and observe a Hyperledger Fabric network from one YAML spec.')
  .showHelpAfterError();

program
  .command('validate')
  .description('check a network spec and print the network it describes; starts nothing')
  .argument('<spec>', 'network spec (YAML), e.g. examples/network.yaml')
  .action(async (specFile: string) => {
    const { network } = await loadSpec(specFile);
    const out: string[] = [`network ${network.name}: channel ${network.channel}`];
    for (const { owner, endpoint } of listeners(network)) out.push(`  ${endpoint.host}:${endpoint.port}  ${owner}`);
    console.log(out.join('\n'));
  });

program
  .command('crypto')
  .description("generate the network's crypto material (CAs, TLS CAs, MSPs, keys 0600); keeps what exists")
  .argument('<spec>', 'network spec (YAML)')
  .addOption(new Option('--out <dir>', 'where to write it (default: the network state folder)'))
  .action(async (specFile: string, opts: { out?: string }) => {
    const progress = consoleProgress();
    const { network } = await progress.step('validate spec', () => loadSpec(specFile));
    const dir = opts.out ?? cryptoDir(networkDir(network.name));
    await progress.step(`crypto material in ${dir}`, () => generateCrypto(cryptoSpecOf(network), dir), (s) => `${s.created.length} created, ${s.kept.length} kept`);
    console.log(dir);
  });

program
  .command('up')
  .description('bring up the network of a spec (or resume it) as local processes')
  .argument('<spec>', 'network spec (YAML)')
  .action(async (specFile: string) => {
    const progress = consoleProgress();
    const { file, network } = await progress.step('validate spec', () => loadSpec(specFile));
    // Checked before anything is written or started, so a machine without Fabric is left untouched.
    await progress.step('locate Fabric binaries', () => locateFabricBinaries());
    await progress.step('check ports', () => assertPortsFree(file, listeners(network)));
    const dir = networkDir(network.name);
    await progress.step('crypto material', () => generateCrypto(cryptoSpecOf(network), cryptoDir(dir)), (s) => `${s.created.length} created, ${s.kept.length} kept`);
    throw new BlockedError(
      'starting orderers and peers is not written yet: it could not be built and tested without Fabric binaries (see the README, "Status"); the crypto material above is kept for the next run',
    );
  });

program
  .command('status')
  .description("show every process of a network with its health (healthy, starting, crashed)")
  .argument('[network]', 'network name; may be left out when there is only one')
  .action(async (name?: string) => {
    const dir = await resolveNetworkDir(name);
    const procs = await new Supervisor(dir).status();
    if (procs.length === 0) {
      console.log(`network ${path.basename(dir)}: no processes (down)`);
      return;
    }
    const rows = procs.map((p) => [p.name, p.state, String(p.pid), p.ports.map((e) => `${e.host}:${e.port}`).join(','), p.log]);
    const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i]!.length), ['NAME', 'STATE', 'PID', 'PORTS'][i]!.length));
    const line = (r: string[]) => r.map((c, i) => (i < 4 ? c.padEnd(widths[i]!) : c)).join('  ');
    console.log([line(['NAME', 'STATE', 'PID', 'PORTS', 'LOG']), ...rows.map(line)].join('\n'));
    if (procs.some((p) => p.state === 'crashed')) process.exitCode = 4; // scripts can tell a degraded network
  });

program
  .command('down')
  .description('stop every process of a network; --purge also deletes its state (ledgers, keys, logs)')
  .argument('[network]', 'network name; may be left out when there is only one')
  .option('--purge', 'delete the network folder after stopping')
  .action(async (name: string | undefined, opts: { purge?: boolean }) => {
    const progress = consoleProgress();
    const dir = await resolveNetworkDir(name);
    await progress.step(`stop processes of ${path.basename(dir)}`, () => new Supervisor(dir).stopAll(), (s) => `${s.length} stopped`);
    if (opts.purge) await progress.step(`delete ${dir}`, () => rm(dir, { recursive: true, force: true }));
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof SpecError || err instanceof UsageError) {
    console.error(err.message);
    process.exitCode = 2;
  } else if (err instanceof BlockedError) {
    console.error(`blocked: ${err.message}`);
    process.exitCode = 3;
  } else {
    console.error(err);
    process.exitCode = 1;
  }
});
