import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';

// A chaincode-as-a-service package: what `peer lifecycle chaincode install` takes. It holds no code,
// only where the chaincode runs: metadata.json {type: "ccaas", label} and code.tar.gz with
// connection.json. The ccaas builder treats every string in connection.json as a Go template filled
// from the peer's CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG, so one package (one package ID) serves
// every org: each peer's config says where its own org's chaincode endpoint is and which CA signed it.
//
// The package ID is label:sha256(package bytes). The bytes are made deterministic (fixed mtimes,
// owners and order; gzip without a timestamp), so the same chaincode version always has the same ID,
// across `up` runs and machines, and replicas can be started with --chaincode-id before the install.

/** Fabric's rule for package labels (core/chaincode/persistence). */
const LABEL = /^[a-zA-Z0-9]+([.+\-_][a-zA-Z0-9]+)*$/;

export interface CcaasPackage {
  readonly label: string;
  readonly packageId: string;
  readonly bytes: Buffer;
}

/** connection.json as the ccaas builder reads it. */
export interface ConnectionJson {
  address: string;
  dial_timeout: string;
  tls_required: boolean;
  client_auth_required: boolean;
  root_cert: string;
  client_key: string;
  client_cert: string;
}

/** Go template that reads a chaincode's entry of the builder config; `index` works for names with - and _. */
const fromConfig = (chaincode: string, key: string) => `{{index . ${JSON.stringify(chaincode)} ${JSON.stringify(key)}}}`;

/** connection.json for one slot of a chaincode: the address comes from the peer's builder config entry for that slot. */
export function connectionTemplate(chaincode: string, slot: string): ConnectionJson {
  return {
    address: fromConfig(chaincode, slot),
    dial_timeout: '10s',
    tls_required: true,
    // Server TLS only: a client key in the peer's environment would put a private key where keys do not belong.
    client_auth_required: false,
    root_cert: fromConfig(chaincode, 'root_cert'),
    client_key: '',
    client_cert: '',
  };
}

/** The value of CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG for one peer: its org's endpoint per chaincode and slot. */
export function builderConfig(entries: readonly { chaincode: string; addresses: Readonly<Record<string, string>>; rootCertPem: string }[]): string {
  return JSON.stringify(Object.fromEntries(entries.map((e) => [e.chaincode, { ...e.addresses, root_cert: e.rootCertPem }])));
}

export function packageLabel(chaincode: string, version: string): string {
  const label = `${chaincode}_${version}`;
  if (!LABEL.test(label)) {
    throw new Error(`package label "${label}" breaks Fabric's label rule (letters and digits, joined by single . + - or _): change the chaincode's name or version`);
  }
  return label;
}

/** The package of one version of a chaincode, to run in one slot (see spec/network.ts, ChaincodeSlot). */
export async function buildCcaasPackage(chaincode: string, version: string, slot = 'blue'): Promise<CcaasPackage> {
  const label = packageLabel(chaincode, version);
  const code = gzipSync(await tarOf({ 'connection.json': JSON.stringify(connectionTemplate(chaincode, slot), null, 2) }));
  const bytes = gzipSync(await tarOf({ 'metadata.json': JSON.stringify({ type: 'ccaas', label }), 'code.tar.gz': code }));
  return { label, packageId: `${label}:${createHash('sha256').update(bytes).digest('hex')}`, bytes };
}

/** A tar of regular files with fixed metadata, in the given order. */
async function tarOf(files: Record<string, string | Buffer>): Promise<Buffer> {
  const tar = pack();
  for (const [name, content] of Object.entries(files)) {
    const data = typeof content === 'string' ? Buffer.from(content) : content;
    await new Promise<void>((resolve, reject) =>
      tar.entry({ name, size: data.length, mode: 0o644, mtime: new Date(0), uid: 0, gid: 0, uname: '', gname: '', type: 'file' }, data, (err) => (err ? reject(err) : resolve())),
    );
  }
  tar.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of tar) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
