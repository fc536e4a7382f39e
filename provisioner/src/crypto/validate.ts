/** Spec checks that matter for safety: names become path components and certificate SANs. */
import type { CryptoSpec } from './types';

const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?';
const HOST = new RegExp(`^${LABEL}$`);
const DOMAIN = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);
// Users become "<user>@<domain>" directory names: no separators, no leading dot.
const USER = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function check(ok: boolean, message: string): void {
  if (!ok) throw new Error(`invalid crypto spec: ${message}`);
}

function unique(values: string[], what: string): void {
  const seen = new Set<string>();
  for (const v of values) {
    check(!seen.has(v.toLowerCase()), `duplicate ${what} '${v}'`);
    seen.add(v.toLowerCase());
  }
}

export function assertValidSpec(spec: CryptoSpec): void {
  const orgs = [
    { ...spec.orderers, nodes: spec.orderers.hosts, users: spec.orderers.users ?? [] },
    ...spec.orgs.map((o) => ({ ...o, nodes: o.peers })),
  ];
  for (const org of orgs) {
    check(DOMAIN.test(org.domain), `domain '${org.domain}' is not a DNS name`);
    check(org.mspId.trim().length > 0, `org '${org.name}' has an empty mspId`);
    for (const host of org.nodes) check(HOST.test(host), `host '${host}' of ${org.domain} is not a DNS label`);
    for (const user of org.users) check(USER.test(user), `user '${user}' of ${org.domain} is not a safe name`);
    unique(org.nodes, `host in ${org.domain}`);
    unique(org.users, `user in ${org.domain}`);
  }
  for (const org of spec.orgs) {
    for (const service of org.services ?? []) check(HOST.test(service), `service '${service}' of ${org.domain} is not a DNS label`);
    unique([...org.peers, ...(org.services ?? [])], `host or service in ${org.domain}`);
  }
  unique(spec.orgs.map((o) => o.domain), 'peer org domain');
  unique(orgs.map((o) => o.mspId), 'mspId');
}
