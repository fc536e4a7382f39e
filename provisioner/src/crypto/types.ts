/** Input describing which identities to create; mirrors what cryptogen's crypto-config.yaml expresses. */
export interface OrdererOrgSpec {
  name: string;
  domain: string;
  mspId: string;
  /** Orderer host names without the domain, e.g. ['orderer0']. */
  hosts: string[];
  /** Users of the orderer org; defaults to ['Admin'] (needed to sign channel config / osnadmin). */
  users?: string[];
}

export interface PeerOrgSpec {
  name: string;
  domain: string;
  mspId: string;
  /** Peer host names without the domain, e.g. ['peer0']. */
  peers: string[];
  /** User names without the domain; names starting with 'Admin' get the admin OU. */
  users: string[];
  /**
   * Services the org runs that peers reach over TLS, e.g. chaincode servers ('marbles'): each gets a
   * TLS server certificate from the org's TLS CA (services/<name>.<domain>/tls/), and no MSP.
   */
  services?: string[];
}

export interface CryptoSpec {
  orderers: OrdererOrgSpec;
  orgs: PeerOrgSpec[];
}

export interface GenerateOptions {
  /** Clock used for certificate validity (tests pin it). */
  now?: Date;
  /** Certificate lifetime; cryptogen uses 10 years. */
  validDays?: number;
  /**
   * More names for a node's or service's TLS server certificate, by its CN (e.g. the Kubernetes
   * Service names 'peer0-org1' for 'peer0.org1.example.com'), after the usual ones.
   */
  extraSans?: Readonly<Record<string, readonly string[]>>;
}

/** ca/tlsca: the org's CAs; msp: an enrollment (signing) identity; tls: a TLS identity. */
export type MaterialKind = 'ca' | 'tlsca' | 'msp' | 'tls';

export interface IdentityRecord {
  mspId: string;
  /** Subject common name, e.g. 'peer0.org1.example.com' or 'Admin@org1.example.com'. */
  cn: string;
  kind: MaterialKind;
  certPath: string;
}

export interface CryptoSummary {
  created: IdentityRecord[];
  kept: IdentityRecord[];
}
