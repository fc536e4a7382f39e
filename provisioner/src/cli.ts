#!/usr/bin/env node
import { Command, Option } from 'commander';
import { generateCrypto } from './crypto';
import { FabricBinariesMissingError, locateFabricBinaries } from './fabricbinaries';
import { cryptoSpecOf } from './networkcrypto';
import { consoleProgress } from './progress';
import { SpecError, assertPortsFree, listeners, loadSpec } from './spec';
import { cryptoDir, networkDir } from './statedir';

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
    await progress.step('check ports', () => assertPortsFree(file, network));
    const dir = networkDir(network.name);
    await progress.step('crypto material', () => generateCrypto(cryptoSpecOf(network), cryptoDir(dir)), (s) => `${s.created.length} created, ${s.kept.length} kept`);
    throw new Error('the local target cannot start Fabric processes yet: see the README, "Status"');
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof SpecError) {
    console.error(err.message);
    process.exitCode = 2;
  } else if (err instanceof FabricBinariesMissingError) {
    console.error(`blocked: ${err.message}`);
    process.exitCode = 3;
  } else {
    console.error(err);
    process.exitCode = 1;
  }
});
