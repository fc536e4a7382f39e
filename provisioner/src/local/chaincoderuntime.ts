import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { servicePaths } from '../crypto/layout';
import { type Chaincode, type ChaincodeSlot, LOOPBACK, type Network } from '../networkspec/network';
import type { ProcessSpec, Supervisor } from './supervisor';

// The chaincode side of a local network, one slot of one chaincode at a time: every replica as a
// chaincode server (fabric-shim's server mode) and per org one chaincode balancer over that org's
// replicas (src/balancer: it spreads invocations, not connections), at the address the org's peers
// get from the CCaaS package. The balancer serves TLS with the org's service certificate; behind it
// every replica, or its sidecar (the default), listens plaintext on loopback.

// From src/local (tests) or dist/local alike: the built entries in the packages' dist/.
const BALANCER_MAIN = path.resolve(__dirname, '../../dist/balancer/main.js');
const SIDECAR_MAIN = path.resolve(__dirname, '../../../exporter/dist/sidecar/main.js');

export const endpointName = (cc: Chaincode, slot: ChaincodeSlot, org: string) => `${cc.service}-${slot.name}-${org.toLowerCase()}-endpoint`;
export const sidecarName = (replica: { name: string }) => `${replica.name}-sidecar`;

export interface ChaincodeRuntimeOptions {
  /** OTLP/HTTP base URL the sidecars send spans to; none: no tracing. */
  readonly otlpUrl?: string;
}

/** What to run for one slot of a chaincode; fails, naming the chaincode and the fix, when it is not runnable. */
export async function chaincodeProcesses(network: Network, cc: Chaincode, slot: ChaincodeSlot, cryptoRoot: string, packageId: string, opts: ChaincodeRuntimeOptions = {}): Promise<ProcessSpec[]> {
  const shim = await chaincodeServerCli(cc);
  const sidecars = cc.sidecar ? await sidecarEntry() : undefined;
  const specs: ProcessSpec[] = [];
  for (const replica of slot.replicas) {
    const address = `${replica.listen.host}:${replica.listen.port}`;
    specs.push({
      name: replica.name,
      command: process.execPath,
      args: [...(replica.inspector ? profilingArgs(replica.inspector.port) : []), shim, 'server', `--chaincode-address=${address}`, `--chaincode-id=${packageId}`],
      cwd: cc.path,
      // TLS is the balancer's job; the replica listens plaintext on loopback only
      env: {
        MICTRACT_PACKAGE_ID: packageId,
        POD_NAME: replica.name,
      },
      ports: replica.inspector ? [replica.listen, replica.inspector] : [replica.listen],
    });
    if (sidecars && replica.sidecar) {
      const sc = replica.sidecar;
      specs.push({
        name: sidecarName(replica),
        command: process.execPath,
        args: [
          // a small young generation keeps the sidecar's RSS flat (105-115 MB, not 210 MB) under load
          '--max-semi-space-size=4',
          sidecars,
          '--listen', `${sc.listen.host}:${sc.listen.port}`,
          '--replica', address,
          '--metrics', `${sc.metrics.host}:${sc.metrics.port}`,
          '--chaincode', cc.name,
          '--pod-name', replica.name,
          '--namespace', network.name,
          ...(opts.otlpUrl ? ['--otlp-url', opts.otlpUrl] : []),
        ],
        env: { POD_NAME: replica.name, POD_NAMESPACE: network.name },
        ports: [sc.listen, sc.metrics],
      });
    }
  }
  for (const [org, endpoint] of slot.endpoints) {
    const backends = slot.replicas
      .filter((r) => r.org === org)
      .flatMap((r) => {
        const target = sidecars && r.sidecar ? r.sidecar.listen : r.listen;
        return ['--replica', `${target.host}:${target.port}`];
      });
    const { domain, mspId } = network.organizations.find((o) => o.name === org)!;
    const metrics = slot.balancerMetrics.get(org)!;
    const { tls } = servicePaths(cryptoRoot, { kind: 'peer', domain }, cc.service);
    specs.push({
      name: endpointName(cc, slot, org),
      command: process.execPath,
      args: [BALANCER_MAIN, '--listen', `${endpoint.host}:${endpoint.port}`, '--tls-cert', tls.cert, '--tls-key', tls.key, ...backends, '--metrics', `${metrics.host}:${metrics.port}`, '--chaincode', cc.name, '--org', mspId],
      ports: [endpoint, metrics],
    });
  }
  return specs;
}

/**
 * Node's flags for a replica of a chaincode with `profile: true`, for `mictract profile`:
 * - the inspector, a debugger, on loopback only;
 * - no on-stack replacement: V8 attributes a loop's OSR code compiled before a capture starts to the
 *   function's caller (checked with Node 24: a busy function showed up as its caller in 2 of 4
 *   captures with OSR, in none of 6 without). Without it a hot function is optimized on its next call.
 */
export function profilingArgs(inspectorPort: number): string[] {
  return [`--inspect=${LOOPBACK}:${inspectorPort}`, '--no-use-osr'];
}

/** Starts (or resumes) processes in order, and waits until all are healthy. */
export async function startChaincodes(supervisor: Supervisor, specs: readonly ProcessSpec[]): Promise<{ started: string[]; running: string[] }> {
  const started: string[] = [];
  const running: string[] = [];
  for (const spec of specs) ((await supervisor.ensure(spec)) === 'running' ? running : started).push(spec.name);
  await Promise.all(specs.map((s) => supervisor.waitHealthy(s.name)));
  return { started, running };
}

/** The sidecar's built entry, or undefined while it is not built (the replica then serves TLS itself). */
async function sidecarEntry(): Promise<string | undefined> {
  return (await access(SIDECAR_MAIN).then(() => true, () => false)) ? SIDECAR_MAIN : undefined;
}

/** fabric-shim's CLI as the chaincode itself depends on it, after checking the chaincode is built. */
async function chaincodeServerCli(cc: Chaincode): Promise<string> {
  let shim: string;
  try {
    shim = require.resolve('fabric-shim/cli.js', { paths: [cc.path] });
  } catch {
    throw new Error(`chaincode ${cc.name}: fabric-shim is not installed for ${cc.path}; add it to the chaincode's dependencies and run npm install (Mictract runs Node.js chaincode with fabric-shim's server mode)`);
  }
  const pkg = JSON.parse(await readFile(path.join(cc.path, 'package.json'), 'utf8')) as { main?: string };
  const main = path.resolve(cc.path, pkg.main ?? 'index.js');
  await access(main).catch(() => {
    throw new Error(`chaincode ${cc.name}: ${main} (its package.json "main") is missing; build the chaincode first (npm run build)`);
  });
  return shim;
}
