#!/usr/bin/env node
import './compilecache';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { generateCrypto } from './crypto';
import { PrerequisiteError } from './fabricbinaries';
import { connectGateway } from './gateway/client';
import { TxFailure, evaluate, submit } from './gateway/transact';
import { Supervisor } from './local/supervisor';
import { openNetwork } from './local/opennetwork';
import { deployChaincode, localDirs, otlpUrlOf, readNetworkRecord, upLocal } from './local/up';
import { describePlan, planChanges } from './networkspec/changeplan';
import { cryptoSpecOf } from './networkcrypto';
import { consoleProgress } from './progress';
import { SpecError, listeners, loadSpec } from './networkspec';
import { UsageError, cryptoDir, networkDir, resolveNetworkDir } from './statedir';
import { fabricInstall } from './fabricbinaries';
import { queryCommitted } from './fabric/lifecycle';
import { MarblesWorkload, statusLine } from './workload/marblesworkload';
import { whereToLook } from './local/wheretolook';
import { PLUGIN_ID, grafanaCommand, writeGrafanaProvisioning } from './observability/grafanaprovisioning';
import { startPreview } from './observability/preview';
import { type TargetOptions, downTarget, renderCommand, statusTarget, upTarget, upgradeTarget, withTarget } from './kubernetes/commands';
import { addProfileCommand } from './profile/profilecommand';

// `mictract`: the provisioner's command line. Exit codes (README): 0 done; 1 a bug; 2 a problem in
// the spec or the command line, fixable by the user (the message says how); 3 a missing
// prerequisite; 4 `status` found a crashed process; 5 a transaction's endorsement or evaluation
// failed; 6 a transaction was not committed (its validation code is printed).

const EXIT = { bug: 1, usage: 2, prerequisite: 3, crashed: 4, endorse: 5, commit: 6 } as const;

const VERSION: string = (require('../package.json') as { version: string }).version;

const program = new Command('mictract')
  .description('Bring up and observe a Hyperledger Fabric network from one YAML spec.')
  .version(VERSION, '-V, --version')
  .showHelpAfterError()
  // usage errors are ours to map to exit code 2, not commander's 1
  .exitOverride()
  .configureOutput({ writeErr: (s) => process.stderr.write(s) });

program
  .command('validate')
  .description('check a network spec and print the network it describes; starts nothing')
  .argument('<spec>', 'network spec (YAML), e.g. examples/network.yaml')
  .action(async (specFile: string) => {
    const { network } = await loadSpec(specFile);
    const out: string[] = [`network ${network.name}: Fabric ${network.fabric}, channel ${network.channel}, batch timeout ${network.batchTimeoutMs} ms`];
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

withTarget(program
  .command('up')
  .description('bring up the network of a spec as local processes, or resume it (ledgers kept, crashed processes restarted); --target kubernetes: on a cluster, with the channel and chaincodes made through port-forwards')
  .argument('<spec>', 'network spec (YAML)'))
  .option('--no-channel', '--target kubernetes: apply and wait for the pods only, no channel or chaincode lifecycle (for a cluster whose pods run nothing, such as kwok)')
  .action(async (specFile: string, target: TargetOptions) => {
    if (await upTarget(specFile, target)) return;
    const progress = consoleProgress();
    const started = Date.now();
    const loaded = await progress.step('validate spec', () => loadSpec(specFile));
    const { chaincodes } = await upLocal(loaded, progress).catch(async (err: unknown) => explainFailure(loaded.network.name, err));
    const ccs = chaincodes.map((c) => `${c.name} ${c.version} (sequence ${c.sequence}, ${c.action})`).join(', ');
    console.log(`network ${loaded.network.name} is up in ${((Date.now() - started) / 1000).toFixed(1)} s: channel ${loaded.network.channel}${ccs ? `, ${ccs}` : ''}`);
  });

program
  .command('plan')
  .description('print what `up` would change on the running network to match the spec (members to add, chaincodes to redefine) and what it refuses; changes nothing')
  .argument('<spec>', 'network spec (YAML), edited')
  .action(async (specFile: string) => {
    const loaded = await loadSpec(specFile);
    const record = await readNetworkRecord(localDirs(loaded.network).network);
    const plan = planChanges(record?.applied, loaded.values);
    if (plan.refused.length > 0) throw new SpecError(loaded.file, plan.refused);
    console.log(describePlan(loaded.network.name, plan));
  });

withTarget(program
  .command('upgrade')
  .description("upgrade a chaincode to the version now in the spec: new package and sequence, new replicas before the commit, old ones stopped after; --target kubernetes: the other slot's Deployments, then the commit, then the old ones deleted")
  .argument('<spec>', 'network spec (YAML), with the chaincode\'s new version')
  .argument('<chaincode>', 'chaincode name'))
  .action(async (specFile: string, name: string, target: TargetOptions) => {
    if (await upgradeTarget(specFile, name, target)) return;
    const progress = consoleProgress();
    const loaded = await progress.step('validate spec', () => loadSpec(specFile));
    const { network } = loaded;
    const cc = network.chaincodes.find((c) => c.name === name);
    if (!cc) throw new UsageError(`<chaincode>: no chaincode "${name}" in ${specFile}; known: ${network.chaincodes.map((c) => c.name).join(', ') || 'none'}`);
    const dirs = localDirs(network);
    const fabric = await fabricInstall(network.fabric);
    const committed = await queryCommitted(network, fabric, dirs, cc);
    if (!committed) throw new UsageError(`${name} is not deployed on ${network.channel} yet; run \`mictract up ${specFile}\` first`);
    if (committed.version === cc.version) throw new UsageError(`${name} is already at version ${cc.version} (sequence ${committed.sequence}); set its new version in ${specFile} first`);
    const otlpUrl = otlpUrlOf(network);
    const state = await deployChaincode(network, cc, fabric, dirs, new Supervisor(dirs.network), progress, otlpUrl ? { otlpUrl } : {});
    console.log(`${name} upgraded from ${committed.version} to ${state.version} (sequence ${state.sequence}, package ${state.packageId})`);
  });

const txCommand = (verb: 'invoke' | 'query') =>
  program
    .command(verb)
    .description(verb === 'invoke' ? 'submit a transaction and wait for its commit; prints the result and the tx ID' : 'evaluate a transaction (not committed); prints the result and the tx ID')
    .argument('<chaincode>', 'chaincode name, e.g. marbles')
    .argument('<function>', 'function, e.g. initMarble')
    .argument('[args...]', 'string arguments')
    .option('-n, --network <name>', 'network name; may be left out when there is only one')
    .option('--org <org>', 'organization whose user signs (default: the first)')
    .option('--user <user>', 'user of that organization', 'User1')
    .option('--json', 'print {txId, result, blockNumber} as JSON, for scripts')
    .action(async (chaincode: string, fn: string, args: string[], opts: { network?: string; org?: string; user: string; json?: boolean }) => {
      const { network, dirs } = await openNetwork(opts.network);
      if (!network.chaincodes.some((c) => c.name === chaincode)) {
        throw new UsageError(`<chaincode>: network ${network.name} has no chaincode "${chaincode}"; known: ${network.chaincodes.map((c) => c.name).join(', ') || 'none'}`);
      }
      const conn = await connectGateway(network, dirs.crypto, { org: opts.org, user: opts.user });
      try {
        const contract = conn.contract(chaincode);
        const res = verb === 'invoke' ? await submit(contract, fn, args) : await evaluate(contract, fn, args);
        if (opts.json) console.log(JSON.stringify(res));
        else {
          if (res.result) console.log(res.result);
          console.error(`tx ${res.txId}${res.blockNumber !== undefined ? ` committed in block ${res.blockNumber}` : ' (evaluated, not committed)'}`);
        }
      } catch (err) {
        if (err instanceof TxFailure && opts.json) console.log(JSON.stringify({ txId: err.txId, error: err.message, stage: err.stage, validationCode: err.validationCode, blockNumber: err.blockNumber }));
        throw err;
      } finally {
        conn.close();
      }
    });
txCommand('invoke');
txCommand('query');

program
  .command('demo')
  .description('bring up the network (as `up`), print where to look, and run a mixed marbles workload until Ctrl-C; the network stays up')
  .argument('<spec>', 'network spec (YAML), e.g. examples/network.yaml')
  .option('--rate <tx/s>', 'transactions started per second', '5')
  .option('--preview', "also serve the Grafana app's pages on 127.0.0.1 through the plugin's development host (a preview, not Grafana; needs the built plugin), until the workload stops")
  .action(async (specFile: string, opts: { rate: string; preview?: boolean }) => {
    const rate = Number(opts.rate);
    if (!(rate > 0 && rate <= 1000)) throw new UsageError(`--rate: must be a number of transactions per second from 0 to 1000 (got ${opts.rate})`);
    const progress = consoleProgress();
    const started = Date.now();
    const loaded = await progress.step('validate spec', () => loadSpec(specFile));
    const { network } = loaded;
    await upLocal(loaded, progress).catch(async (err: unknown) => explainFailure(network.name, err));
    console.log(`\nnetwork ${network.name} is up in ${((Date.now() - started) / 1000).toFixed(1)} s\n${whereToLook(network)}`);
    const preview = opts.preview
      ? await startPreview(network, localDirs(network)).then(
          (p) => (console.log(`  Grafana app preview (the plugin's development host, not Grafana) ${p.url}`), p),
          (err: unknown) => console.log(`  Grafana app preview: not started, ${(err as Error).message}`),
        )
      : undefined;
    const chaincode = network.chaincodes.find((c) => c.name === 'marbles');
    if (!chaincode) {
      console.log('no chaincode named marbles in this spec: no workload to run');
      return;
    }
    const conn = await connectGateway(network, localDirs(network).crypto);
    const workload = new MarblesWorkload(conn.contract(chaincode.name), { rate, prefix: `demo${Date.now().toString(36)}` });
    const t0 = Date.now();
    const tty = process.stdout.isTTY;
    const timer = setInterval(() => {
      const line = statusLine(workload.stats, Date.now() - t0);
      process.stdout.write(tty ? `\r\x1b[K${line}` : `${line}\n`);
    }, tty ? 1000 : 10_000);
    console.log(`\nworkload: marbles at ${rate} tx/s (all seven functions, some concurrent transfers of one marble); Ctrl-C stops it, the network stays up until \`mictract down ${network.name}\``);
    const onSignal = () => workload.stop();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    await workload.run();
    clearInterval(timer);
    conn.close();
    preview?.stop();
    console.log(`\n${statusLine(workload.stats, Date.now() - t0)}\nworkload stopped; the network is still up (\`mictract status\`, \`mictract down ${network.name}\`)`);
  });

addProfileCommand(program);

program
  .command('grafana')
  .description("write a Grafana provisioning folder for a running network (its Prometheus and Jaeger, the Mictract app with its ledger API, dashboards, alerts) and print how to start Grafana with it")
  .argument('<dir>', 'folder to write (created)')
  .argument('[network]', 'network name; may be left out when there is only one')
  .action(async (dir: string, name?: string) => {
    const { network } = await openNetwork(name);
    const files = await writeGrafanaProvisioning(network, dir);
    console.log(`wrote ${files.files.length} files under ${path.resolve(dir)}; start your Grafana 12.4 with them and the built plugin (npm run build -w grafana-plugin):\n\n  ${grafanaCommand(files)}\n\nthen open http://127.0.0.1:3000/a/${PLUGIN_ID}`);
  });

withTarget(program
  .command('status')
  .description('show every process of a network with its health (healthy, starting, crashed); --target kubernetes: its pods')
  .argument('[network]', 'network name; may be left out when there is only one'))
  .action(async (name: string | undefined, target: TargetOptions) => {
    if (await statusTarget(name, target)) return;
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
    if (procs.some((p) => p.state === 'crashed')) process.exitCode = EXIT.crashed; // scripts can tell a degraded network
  });

withTarget(program
  .command('down')
  .description('stop every process of a network; --purge also deletes its state (ledgers, keys, logs); --target kubernetes: delete what up made there')
  .argument('[network]', 'network name; may be left out when there is only one')
  .option('--purge', 'delete the network folder after stopping'))
  .action(async (name: string | undefined, opts: TargetOptions & { purge?: boolean }) => {
    if (await downTarget(name, opts)) return;
    const progress = consoleProgress();
    const dir = await resolveNetworkDir(name);
    await progress.step(`stop processes of ${path.basename(dir)}`, () => new Supervisor(dir).stopAll(), (s) => `${s.length} stopped`);
    if (opts.purge) await progress.step(`delete ${dir}`, () => rm(dir, { recursive: true, force: true }));
  });

program
  .command('render')
  .description('write the manifests of a network (--target kubernetes) into a folder, for GitOps; applies nothing')
  .argument('<spec>', 'network spec (YAML)')
  .argument('<dir>', 'folder to write (one file per object and a kustomization.yaml)')
  .requiredOption('--target <target>', 'kubernetes')
  .option('--namespace <name>', "namespace (default: the spec's kubernetes.namespace, else the network name)")
  .action(renderCommand);

/** A failed `up`: the error, then every process whose log shows errors, with its log file. */
async function explainFailure(name: string, err: unknown): Promise<never> {
  if (!(err instanceof SpecError || err instanceof UsageError || err instanceof PrerequisiteError)) {
    const logged = await new Supervisor(networkDir(name)).recentErrors().catch(() => []);
    for (const p of logged) console.error(`\n${p.name} logged errors (${p.log}):\n${p.lines.map((l) => `  | ${l}`).join('\n')}`);
    if (logged.length > 0) console.error('');
  }
  throw err;
}

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof CommanderError) {
    // --help and --version end here too, with code 0
    process.exitCode = err.exitCode === 0 ? 0 : EXIT.usage;
  } else if (err instanceof SpecError || err instanceof UsageError) {
    console.error(err.message);
    process.exitCode = EXIT.usage;
  } else if (err instanceof PrerequisiteError) {
    console.error(`missing prerequisite: ${err.message}`);
    process.exitCode = EXIT.prerequisite;
  } else if (err instanceof TxFailure) {
    console.error(`${err.message}\ntx ${err.txId}`);
    process.exitCode = err.stage === 'commit' ? EXIT.commit : EXIT.endorse;
  } else if (err instanceof Error && (err.name === 'ProcessFailedError' || err.name === 'ApplyError')) {
    console.error(err.message);
    process.exitCode = EXIT.bug;
  } else {
    console.error(err);
    process.exitCode = EXIT.bug;
  }
});
