import { z } from 'zod';
import { kubernetesSpecSchema } from '../kubernetes/kubernetesspec';

// The network spec: one short YAML file that drives both the local and the Kubernetes target.
// Limits follow the issue (Raft 1–5 orderers, 1–5 orgs, 1–4 peers each) and Fabric's own name rules,
// so a spec that passes here is never refused later by configtxgen or the peer.

/** Fabric's chaincode name rule (peer lifecycle). */
const CHAINCODE_NAME = /^[a-zA-Z0-9]+([-_][a-zA-Z0-9]+)*$/;
/** Fabric's channel name rule: lower case, starts with a letter, < 250 characters. */
const CHANNEL_NAME = /^[a-z][a-z0-9.-]*$/;
/** Org and node names end up in MSP IDs, host names and folder names. */
const ORG_NAME = /^[A-Za-z][A-Za-z0-9]*$/;
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

/** A whole number of things from min to max; `needs` says why fewer than min will not do. */
const count = (what: string, min: number, max: number, needs: string) =>
  z
    .number({ error: `must be a whole number of ${what} from ${min} to ${max}` })
    .int({ error: `must be a whole number of ${what} from ${min} to ${max}` })
    .min(min, { error: `must be at least ${min}: ${needs}` })
    .max(max, { error: `must be at most ${max} ${what}; split the network or lower the number` });

/**
 * What to write for a field a spec leaves out, by path (list indices as []): error messages say
 * `channel: missing; add channel: {name: mychannel}`.
 */
export const SPEC_EXAMPLES: Readonly<Record<string, string>> = {
  name: 'demo',
  orderers: '{nodes: 1}',
  'orderers.nodes': '1',
  organizations: '[{name: Org1, peers: 1}]',
  'organizations[].name': 'Org1',
  channel: '{name: mychannel}',
  'channel.name': 'mychannel',
  'ports.base': '17000',
  'chaincodes[].name': 'marbles',
  'chaincodes[].path': 'marbles',
  'chaincodes[].version': '"1.0"',
};

export const chaincodeSchema = z
  .object({
    name: z.string().regex(CHAINCODE_NAME, {
      error: 'must be letters and digits, optionally joined by single "-" or "_" (Fabric chaincode name rule), e.g. "marbles"',
    }),
    path: z.string().min(1, { error: 'must name the chaincode source folder, relative to the spec file' }),
    version: z
      .string({ error: 'must be a string such as "1.0" (quote it in YAML so 1.0 stays text)' })
      // It ends up in the package label (name_version), which Fabric checks with this rule.
      .regex(/^[a-zA-Z0-9]+([.+\-_][a-zA-Z0-9]+)*$/, { error: 'must be letters and digits joined by single . + - or _ (it becomes part of the package label), e.g. "1.0" or "2.1-rc1"' }),
    replicas: count('replicas per organization', 1, 8, 'each organization runs at least one replica of the chaincode').default(1),
    sidecar: z.boolean({ error: 'must be true or false' }).default(true),
    // Starts each replica with the Node.js inspector on a loopback port, for `mictract profile`.
    profile: z.boolean({ error: 'must be true (start each replica with its Node.js inspector on 127.0.0.1, for `mictract profile`) or false (the default)' }).default(false),
  }, { error: 'must be a mapping, e.g. {name: marbles, path: marbles, version: "1.0"}' })
  .strict();

export const organizationSchema = z
  .object({
    name: z.string().regex(ORG_NAME, { error: 'must start with a letter and contain only letters and digits, e.g. "Org1"' }),
    peers: count('peers', 1, 4, 'each organization needs at least one peer').default(1),
  }, { error: 'must be a mapping, e.g. {name: Org1, peers: 1}' })
  .strict();

export const networkSpecSchema = z
  .object({
    name: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,30}$/, { error: 'must be lower-case letters, digits and "-", starting with a letter, at most 31 characters, e.g. "demo"' }),
    fabric: z
      .enum(['2.5', '3.1'], { error: 'must be "2.5" (Fabric 2.5.16 LTS, the default) or "3.1" (Fabric 3.1.5); quote it in YAML' })
      .default('2.5'),
    domain: z.string().regex(DNS_LABEL, { error: 'must be a lower-case DNS name such as "example.com"' }).default('example.com'),
    ports: z
      .object({
        base: z
          .number({ error: 'must be a port number' })
          .int({ error: 'must be a whole port number' })
          .min(1024, { error: 'must be 1024 or more (ports below need root)' })
          .max(60000, { error: 'must be 60000 or less, leaving room for the ports allocated after it' }),
      }, { error: 'must be a mapping, e.g. ports: {base: 17000}' })
      .strict()
      .default({ base: 17000 }),
    orderers: z
      .object({
        org: z.string().regex(ORG_NAME, { error: 'must start with a letter and contain only letters and digits, e.g. "OrdererOrg"' }).default('OrdererOrg'),
        nodes: count('Raft orderers', 1, 5, 'the network needs at least one Raft orderer'),
        // Each ordered step (approve, commit, a transaction) waits up to one batch timeout; Fabric's
        // default of 2s suits production, a local network is much quicker with 250ms.
        batchTimeoutMs: z
          .number({ error: 'must be a whole number of milliseconds, e.g. 250' })
          .int({ error: 'must be a whole number of milliseconds, e.g. 250' })
          .min(10, { error: 'must be at least 10 ms' })
          .max(10_000, { error: 'must be at most 10000 ms (10 s)' })
          .default(250),
      }, { error: 'must be a mapping, e.g. orderers: {nodes: 1}' })
      .strict(),
    organizations: z.array(organizationSchema, { error: 'must be a list of organizations, each with a name' }).min(1, {
      error: 'must list at least one organization, e.g. [{name: Org1, peers: 1}]',
    }).max(5, { error: 'must list at most 5 organizations' }),
    channel: z
      .object({
        name: z
          .string()
          .max(249, { error: 'must be shorter than 250 characters' })
          .regex(CHANNEL_NAME, { error: 'must be lower case, start with a letter, and use only a-z 0-9 . - (Fabric channel name rule), e.g. "mychannel"' }),
      }, { error: 'must be a mapping, e.g. channel: {name: mychannel}' })
      .strict(),
    // The exporter, Prometheus and Jaeger (standing in for Tempo) beside the network, on loopback.
    observability: z.boolean({ error: 'must be true (start the exporter, Prometheus and Jaeger with the network) or false' }).default(true),
    chaincodes: z.array(chaincodeSchema, { error: 'must be a list of chaincodes' }).default([]),
    // Only the Kubernetes target reads it (namespace, images, storage); see src/kubernetes/kubernetesspec.ts.
    kubernetes: kubernetesSpecSchema.optional(),
  })
  .strict();

/** The spec as written (defaults not yet applied). */
export type NetworkSpecInput = z.input<typeof networkSpecSchema>;
/** The spec with every default filled in. */
export type NetworkSpecValues = z.output<typeof networkSpecSchema>;
