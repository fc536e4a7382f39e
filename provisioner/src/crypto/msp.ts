/** MSP folder contents besides the identity's own key pair: CA copies and NodeOU config. */
import { ensurePublicFile } from './files';
import { mspCaCertRef, type OrgMspPaths } from './layout';

/**
 * NodeOUs let Fabric derive roles (admin/peer/orderer/client) from the OU in each
 * enrollment cert instead of listing admin certs in admincerts/.
 */
export function nodeOusConfig(domain: string): string {
  const cert = mspCaCertRef(domain);
  const ou = (key: string, value: string): string =>
    `  ${key}:\n    Certificate: ${cert}\n    OrganizationalUnitIdentifier: ${value}\n`;
  return (
    'NodeOUs:\n' +
    '  Enable: true\n' +
    ou('ClientOUIdentifier', 'client') +
    ou('PeerOUIdentifier', 'peer') +
    ou('AdminOUIdentifier', 'admin') +
    ou('OrdererOUIdentifier', 'orderer')
  );
}

export interface OrgCaPems {
  domain: string;
  caCertPem: string;
  tlsCaCertPem: string;
}

/** cacerts/, tlscacerts/ and config.yaml: shared by the org MSP and every local MSP. */
export async function ensureVerifyingMsp(paths: OrgMspPaths, org: OrgCaPems): Promise<void> {
  await Promise.all([
    ensurePublicFile(paths.cacert, org.caCertPem),
    ensurePublicFile(paths.tlscacert, org.tlsCaCertPem),
    ensurePublicFile(paths.config, nodeOusConfig(org.domain)),
  ]);
}
