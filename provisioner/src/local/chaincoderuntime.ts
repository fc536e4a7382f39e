import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { servicePaths } from '../crypto/layout';
import type { Chaincode, Network } from '../spec/network';
import type { ProcessSpec, Supervisor } from './supervisor';

// The chaincode side of a local network: every replica as a chaincode server (fabric-shim's server
// mode, TLS with its org's service certificate), and per org one endpoint over that org's replicas,
// which is the address the org's peers get from the CCaaS package.
// (With the sidecar, issue 4, TLS moves to the sidecar and the replica listens plaintext on loopback.)

/** The endpoint process entry, from this package's build. */
// From src/local (tests) or dist/local alike: the built entry in this package's dist/.
const ENDPOINT_MAIN = path.resolve(__dirname, '../../dist/endpoint/main.js');

export const endpointName = (cc: Chaincode, org: string) => `${cc.name}-${org.toLowerCase()}-endpoint`;

/** What to run for every chaincode of the network; fails, naming the chaincode and the fix, when one is not runnable. */
export async function chaincodeProcesses(network: Network, cryptoRoot: string, packageIds: ReadonlyMap<string, string>): Promise<ProcessSpec[]> {
  const specs: ProcessSpec[] = [];
  for (const cc of network.chaincodes) {
    const packageId = packageIds.get(cc.name);
    if (packageId === undefined) throw new Error(`chaincode ${cc.name} has no package ID yet; package it before starting its replicas`);
    const shim = await chaincodeServerCli(cc);
    for (const replica of cc.replicas) {
      const org = network.organizations.find((o) => o.name === replica.org)!;
      const { tls } = servicePaths(cryptoRoot, { kind: 'peer', domain: org.domain }, cc.service);
      specs.push({
        name: replica.name,
        command: process.execPath,
        args: [shim, 'server', `--chaincode-address=${replica.listen.host}:${replica.listen.port}`, `--chaincode-id=${packageId}`],
        cwd: cc.path,
        env: { CORE_CHAINCODE_TLS_CERT_FILE: tls.cert, CORE_CHAINCODE_TLS_KEY_FILE: tls.key },
        ports: [replica.listen],
      });
    }
    for (const [org, endpoint] of cc.endpoints) {
      const backends = cc.replicas.filter((r) => r.org === org).flatMap((r) => ['--backend', `${r.listen.host}:${r.listen.port}`]);
      specs.push({
        name: endpointName(cc, org),
        command: process.execPath,
        args: [ENDPOINT_MAIN, '--listen', `${endpoint.host}:${endpoint.port}`, ...backends],
        ports: [endpoint],
      });
    }
  }
  return specs;
}

/** Starts (or resumes) every chaincode process, replicas before endpoints, and waits until all listen. */
export async function startChaincodes(supervisor: Supervisor, specs: readonly ProcessSpec[]): Promise<{ started: string[]; running: string[] }> {
  const started: string[] = [];
  const running: string[] = [];
  for (const spec of specs) ((await supervisor.ensure(spec)) === 'started' ? started : running).push(spec.name);
  await Promise.all(specs.map((s) => supervisor.waitHealthy(s.name)));
  return { started, running };
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
