import { common, msp } from '@hyperledger/fabric-protos';
import type { CertificateRole, ChannelConfigInfo, ConfigCertificate } from './decodedblock';

// A channel configuration (the payload of a CONFIG envelope) reduced to what the exporter watches:
// the MSPs of the channel and every certificate their definitions carry. The configuration is a
// tree of groups (Channel > Application | Orderer > one group per organization); an organization's
// group has a value named "MSP" holding an msp.MSPConfig.

const FABRIC_MSP = 0;

/** Decodes a ConfigEnvelope (the data of a CONFIG transaction's payload). */
export function decodeConfigEnvelope(data: Uint8Array): ChannelConfigInfo {
  const envelope = common.ConfigEnvelope.deserializeBinary(data);
  const config = envelope.getConfig();
  if (!config) throw new Error('config envelope without a config');
  const msps = new Set<string>();
  const certificates: ConfigCertificate[] = [];
  const seen = new Set<string>();
  const walk = (group: common.ConfigGroup) => {
    const value = group.getValuesMap().get('MSP');
    if (value) collect(msp.MSPConfig.deserializeBinary(value.getValue_asU8()));
    group.getGroupsMap().forEach((child: common.ConfigGroup) => walk(child));
  };
  const collect = (mspConfig: msp.MSPConfig) => {
    if (mspConfig.getType() !== FABRIC_MSP) return; // idemix MSPs carry no X.509 certificates
    const fabric = msp.FabricMSPConfig.deserializeBinary(mspConfig.getConfig_asU8());
    const mspId = fabric.getName();
    msps.add(mspId);
    const add = (role: CertificateRole, list: Uint8Array[]) => {
      for (const pem of list) {
        const certificate = Buffer.from(pem).toString('utf8');
        const id = `${mspId}\u0000${role}\u0000${certificate}`;
        if (seen.has(id)) continue;
        seen.add(id);
        certificates.push({ mspId, role, certificate });
      }
    };
    add('ca', fabric.getRootCertsList_asU8());
    add('intermediate_ca', fabric.getIntermediateCertsList_asU8());
    add('tls_ca', fabric.getTlsRootCertsList_asU8());
    add('tls_intermediate_ca', fabric.getTlsIntermediateCertsList_asU8());
    add('admin', fabric.getAdminsList_asU8());
  };
  const root = config.getChannelGroup();
  if (root) walk(root);
  return { sequence: config.getSequence(), msps: [...msps].sort(), certificates };
}
