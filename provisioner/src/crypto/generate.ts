/** cryptogen replacement: lays out every org's CAs, MSPs and TLS material under one root. */
import { certToPem, validity, type CaSigner, type LeafParams, type Validity } from './ca';
import { ensureSecretDir, ensurePublicFile } from './files';
import { caPaths, nodePaths, orgMspPaths, servicePaths, tlsCaPaths, userOu, userPaths, type IdentityPaths, type OrgRef } from './layout';
import { ensureCa, ensureLeaf, type Status } from './material';
import { ensureVerifyingMsp, type OrgCaPems } from './msp';
import type { CryptoSpec, CryptoSummary, GenerateOptions, IdentityRecord, MaterialKind } from './types';
import { assertValidSpec } from './validate';

/** cryptogen's default lifetime. */
export const DEFAULT_VALID_DAYS = 3650;

interface OrgPlan {
  ref: OrgRef;
  mspId: string;
  nodeOu: 'peer' | 'orderer';
  hosts: string[];
  users: string[];
  services: string[];
}

interface Result extends IdentityRecord {
  status: Status;
}

interface OrgContext {
  plan: OrgPlan;
  ca: CaSigner;
  tlsca: CaSigner;
  pems: OrgCaPems;
  v: Validity;
  now: Date;
}

function plans(spec: CryptoSpec): OrgPlan[] {
  const o = spec.orderers;
  return [
    { ref: { kind: 'orderer', domain: o.domain }, mspId: o.mspId, nodeOu: 'orderer', hosts: o.hosts, users: o.users ?? ['Admin'], services: [] },
    ...spec.orgs.map((p): OrgPlan => ({ ref: { kind: 'peer', domain: p.domain }, mspId: p.mspId, nodeOu: 'peer', hosts: p.peers, users: p.users, services: p.services ?? [] })),
  ];
}

/** One node or user: a local MSP (enrollment cert with its NodeOU) plus a TLS key pair. */
async function ensureIdentity(ctx: OrgContext, paths: IdentityPaths, ou: string, tls: LeafParams): Promise<Result[]> {
  const { mspId } = ctx.plan;
  await ensureSecretDir(paths.tls.dir);
  await Promise.all([ensureVerifyingMsp(paths.msp, ctx.pems), ensurePublicFile(paths.tls.ca, ctx.pems.tlsCaCertPem)]);
  const [sign, tlsStatus] = await Promise.all([
    ensureLeaf({ cert: paths.msp.signcert, key: paths.msp.key }, ctx.ca, { cn: paths.cn, ou, use: 'sign' }, ctx.v, ctx.now),
    ensureLeaf({ cert: paths.tls.cert, key: paths.tls.key }, ctx.tlsca, tls, ctx.v, ctx.now),
  ]);
  return [
    { mspId, cn: paths.cn, kind: 'msp', certPath: paths.msp.signcert, status: sign },
    { mspId, cn: paths.cn, kind: 'tls', certPath: paths.tls.cert, status: tlsStatus },
  ];
}

async function generateOrg(root: string, plan: OrgPlan, v: Validity, now: Date, extraSans: Readonly<Record<string, readonly string[]>> = {}): Promise<Result[]> {
  const { ref, mspId } = plan;
  const caFiles = caPaths(root, ref);
  const tlsFiles = tlsCaPaths(root, ref);
  await Promise.all([ensureSecretDir(caFiles.dir), ensureSecretDir(tlsFiles.dir)]);
  const [ca, tlsca] = await Promise.all([
    ensureCa(caFiles, caFiles.cn, ref.domain, v),
    ensureCa(tlsFiles, tlsFiles.cn, ref.domain, v),
  ]);
  const pems: OrgCaPems = { domain: ref.domain, caCertPem: certToPem(ca.ca.cert), tlsCaCertPem: certToPem(tlsca.ca.cert) };
  await ensureVerifyingMsp(orgMspPaths(root, ref), pems);

  const ctx: OrgContext = { plan, ca: ca.ca, tlsca: tlsca.ca, pems, v, now };
  const nodes = plan.hosts.map((host) => {
    const paths = nodePaths(root, ref, host);
    // Containers reach each other by short or full name; tools on the host by localhost.
    const sans = [paths.cn, host, 'localhost', '127.0.0.1', ...(extraSans[paths.cn] ?? [])];
    return ensureIdentity(ctx, paths, plan.nodeOu, { cn: paths.cn, sans, use: 'tls-server' });
  });
  const users = plan.users.map((user) => {
    const paths = userPaths(root, ref, user);
    return ensureIdentity(ctx, paths, userOu(user), { cn: paths.cn, use: 'tls-client' });
  });
  const services = plan.services.map(async (name): Promise<Result[]> => {
    const { cn, tls } = servicePaths(root, ref, name);
    await ensureSecretDir(tls.dir);
    await ensurePublicFile(tls.ca, pems.tlsCaCertPem);
    const status = await ensureLeaf({ cert: tls.cert, key: tls.key }, tlsca.ca, { cn, sans: [cn, name, 'localhost', '127.0.0.1', ...(extraSans[cn] ?? [])], use: 'tls-server' }, v, now);
    return [{ mspId, cn, kind: 'tls', certPath: tls.cert, status }];
  });
  const caRecord = (kind: MaterialKind, cn: string, certPath: string, status: Status): Result => ({ mspId, cn, kind, certPath, status });
  return [
    caRecord('ca', caFiles.cn, caFiles.cert, ca.status),
    caRecord('tlsca', tlsFiles.cn, tlsFiles.cert, tlsca.status),
    ...(await Promise.all([...nodes, ...users, ...services])).flat(),
  ];
}

/**
 * Creates whatever material is missing under rootDir and keeps everything that is
 * already there and intact, so running it on an existing network rotates nothing. A leaf
 * certificate that has expired, expires within RENEW_WITHIN_DAYS, or whose names (CN, OU,
 * SANs) changed is reissued for its existing key, and reported as created.
 */
export async function generateCrypto(spec: CryptoSpec, rootDir: string, opts: GenerateOptions = {}): Promise<CryptoSummary> {
  assertValidSpec(spec);
  const validDays = opts.validDays ?? DEFAULT_VALID_DAYS;
  if (!(validDays > 0)) throw new Error(`validDays must be positive, got ${validDays}`);
  const now = opts.now ?? new Date();
  const v = validity(now, validDays);
  const results = (await Promise.all(plans(spec).map((plan) => generateOrg(rootDir, plan, v, now, opts.extraSans)))).flat();
  const strip = ({ status: _status, ...record }: Result): IdentityRecord => record;
  return {
    created: results.filter((r) => r.status === 'created').map(strip),
    kept: results.filter((r) => r.status === 'kept').map(strip),
  };
}
