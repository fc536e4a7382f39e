/**
 * Where cryptogen puts things. Pure path arithmetic so the rest of the provisioner
 * (docker mounts, gateway clients) can find material without touching the disk.
 */
import path from 'node:path';

export type OrgKind = 'peer' | 'orderer';

export interface OrgRef {
  kind: OrgKind;
  domain: string;
}

/** A CA's own key pair: <org>/ca/ or <org>/tlsca/. */
export interface CaPaths {
  dir: string;
  cn: string;
  cert: string;
  key: string;
}

export interface OrgMspPaths {
  dir: string;
  cacert: string;
  tlscacert: string;
  config: string;
}

export interface MspPaths extends OrgMspPaths {
  signcert: string;
  keystore: string;
  key: string;
}

export interface TlsPaths {
  dir: string;
  ca: string;
  cert: string;
  key: string;
}

export interface IdentityPaths {
  dir: string;
  /** Common name of both the signing and the TLS certificate. */
  cn: string;
  msp: MspPaths;
  tls: TlsPaths;
}

export const KEY_FILE = 'priv_sk';

export function caCertFileName(domain: string): string {
  return `ca.${domain}-cert.pem`;
}

export function tlsCaCertFileName(domain: string): string {
  return `tlsca.${domain}-cert.pem`;
}

/** Path of the CA cert relative to an MSP dir, as referenced by NodeOUs in config.yaml. */
export function mspCaCertRef(domain: string): string {
  return `cacerts/${caCertFileName(domain)}`;
}

export function orgDir(root: string, org: OrgRef): string {
  const group = org.kind === 'peer' ? 'peerOrganizations' : 'ordererOrganizations';
  return path.join(root, group, org.domain);
}

export function caPaths(root: string, org: OrgRef): CaPaths {
  const dir = path.join(orgDir(root, org), 'ca');
  return { dir, cn: `ca.${org.domain}`, cert: path.join(dir, caCertFileName(org.domain)), key: path.join(dir, KEY_FILE) };
}

export function tlsCaPaths(root: string, org: OrgRef): CaPaths {
  const dir = path.join(orgDir(root, org), 'tlsca');
  return { dir, cn: `tlsca.${org.domain}`, cert: path.join(dir, tlsCaCertFileName(org.domain)), key: path.join(dir, KEY_FILE) };
}

function verifyingMsp(dir: string, domain: string): OrgMspPaths {
  return {
    dir,
    cacert: path.join(dir, mspCaCertRef(domain)),
    tlscacert: path.join(dir, 'tlscacerts', tlsCaCertFileName(domain)),
    config: path.join(dir, 'config.yaml'),
  };
}

/** The org-level (verifying) MSP that goes into the channel configuration. */
export function orgMspPaths(root: string, org: OrgRef): OrgMspPaths {
  return verifyingMsp(path.join(orgDir(root, org), 'msp'), org.domain);
}

function identityPaths(dir: string, cn: string, domain: string, tlsRole: 'server' | 'client'): IdentityPaths {
  const mspDir = path.join(dir, 'msp');
  const keystore = path.join(mspDir, 'keystore');
  const tlsDir = path.join(dir, 'tls');
  return {
    dir,
    cn,
    msp: {
      ...verifyingMsp(mspDir, domain),
      signcert: path.join(mspDir, 'signcerts', `${cn}-cert.pem`),
      keystore,
      key: path.join(keystore, KEY_FILE),
    },
    tls: {
      dir: tlsDir,
      ca: path.join(tlsDir, 'ca.crt'),
      cert: path.join(tlsDir, `${tlsRole}.crt`),
      key: path.join(tlsDir, `${tlsRole}.key`),
    },
  };
}

/** A peer (peers/<host>.<domain>) or orderer (orderers/<host>.<domain>), depending on the org kind. */
export function nodePaths(root: string, org: OrgRef, host: string): IdentityPaths {
  const cn = `${host}.${org.domain}`;
  const group = org.kind === 'peer' ? 'peers' : 'orderers';
  return identityPaths(path.join(orgDir(root, org), group, cn), cn, org.domain, 'server');
}

/** A user: users/<user>@<domain>. */
export function userPaths(root: string, org: OrgRef, user: string): IdentityPaths {
  const cn = `${user}@${org.domain}`;
  return identityPaths(path.join(orgDir(root, org), 'users', cn), cn, org.domain, 'client');
}

/** Fabric NodeOU an identity gets: the role the MSP grants it. */
export function userOu(user: string): 'admin' | 'client' {
  return user.startsWith('Admin') ? 'admin' : 'client';
}

/** A TLS-only service of a peer org (a chaincode server): services/<name>.<domain>/tls/. */
export function servicePaths(root: string, org: OrgRef, name: string): { cn: string; tls: TlsPaths } {
  const cn = `${name}.${org.domain}`;
  const dir = path.join(orgDir(root, org), 'services', cn, 'tls');
  return { cn, tls: { dir, ca: path.join(dir, 'ca.crt'), cert: path.join(dir, 'server.crt'), key: path.join(dir, 'server.key') } };
}
