import { z } from 'zod';
import type { FabricLine, Network } from '../networkspec/network';

// The spec's optional `kubernetes:` section: what only the Kubernetes target needs (namespace,
// images, storage). Every field has a default, so a spec without the section deploys as it is.
//
//   kubernetes:
//     namespace: demo                 # default: the network's name
//     storageClass: fast              # default: the cluster's default StorageClass
//     storage: { orderer: 1Gi, peer: 2Gi }
//     images:
//       peer: hyperledger/fabric-peer:2.5.16        # default: Fabric's official image at the spec's version
//       orderer: hyperledger/fabric-orderer:2.5.16
//       sidecar: mictract/sidecar:0.1.0             # the project's own images (tools/kubernetes/images/)
//       exporter: mictract/exporter:0.1.0
//       balancer: mictract/balancer:0.1.0
//       chaincodes: { marbles: mictract/chaincode-marbles:1.0 }
//     otlpUrl: http://tempo.monitoring:4318         # where sidecars and the exporter send spans; default none
//     balancer: { replicas: 2 }                     # pods of each org's chaincode balancer; default 2

/** Kubernetes' DNS-1123 label: what Namespace and Service names must be. */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** A resource quantity such as 1Gi or 500Mi. */
const QUANTITY = /^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;

const image = z
  .string({ error: 'must be an image reference, e.g. "hyperledger/fabric-peer:2.5.16"' })
  .trim()
  .min(1, { error: 'must not be empty: name an image, e.g. "hyperledger/fabric-peer:2.5.16", or leave the field out for the default' })
  .regex(/^[^\s]+$/, { error: 'must be one image reference without spaces, e.g. "registry.example.com/mictract/sidecar:0.1.0"' });

const quantity = z.string({ error: 'must be a size such as "1Gi"' }).regex(QUANTITY, { error: 'must be a Kubernetes quantity such as "1Gi" or "500Mi"' });

export const kubernetesSpecSchema = z
  .object({
    namespace: z
      .string()
      .max(63, { error: 'must be at most 63 characters (a DNS label)' })
      .regex(DNS1123_LABEL, { error: 'must be a DNS label: lower-case letters, digits and "-", starting and ending with a letter or digit, e.g. "demo"' })
      .optional(),
    storageClass: z.string().min(1, { error: 'must name a StorageClass, or leave the field out for the cluster default' }).optional(),
    storage: z.object({ orderer: quantity.optional(), peer: quantity.optional() }, { error: 'must be a mapping, e.g. {orderer: 1Gi, peer: 2Gi}' }).strict().optional(),
    images: z
      .object(
        {
          peer: image.optional(),
          orderer: image.optional(),
          sidecar: image.optional(),
          exporter: image.optional(),
          balancer: image.optional(),
          chaincodes: z.record(z.string(), image, { error: 'must map chaincode names to images, e.g. {marbles: "mictract/chaincode-marbles:1.0"}' }).optional(),
        },
        { error: 'must be a mapping, e.g. {peer: "hyperledger/fabric-peer:2.5.16"}' },
      )
      .strict()
      .optional(),
    balancer: z
      .object(
        {
          replicas: z
            .number({ error: 'must be a whole number of balancer pods from 1 to 10' })
            .int({ error: 'must be a whole number of balancer pods from 1 to 10' })
            .min(1, { error: 'must be at least 1: the balancer is the org\'s chaincode address' })
            .max(10, { error: 'must be at most 10 balancer pods' })
            .optional(),
        },
        { error: 'must be a mapping, e.g. {replicas: 2}' },
      )
      .strict()
      .optional(),
    otlpUrl: z.string().regex(/^https?:\/\/[^\s]+$/, { error: 'must be an http(s) URL, e.g. "http://tempo.monitoring:4318"' }).optional(),
  }, { error: 'must be a mapping, e.g. kubernetes: {namespace: demo}' })
  .strict();

export type KubernetesSpec = z.output<typeof kubernetesSpecSchema>;

/** The full Fabric release each line runs, as tagged on Docker Hub (tools/fabric.sh builds the same). */
export const FABRIC_RELEASE: Readonly<Record<FabricLine, string>> = { '2.5': '2.5.16', '3.1': '3.1.5' };

/** The project's own images are tagged with the provisioner's version. */
const MICTRACT_VERSION: string = (require('../../package.json') as { version: string }).version;

export interface Images {
  readonly peer: string;
  readonly orderer: string;
  readonly sidecar: string;
  readonly exporter: string;
  /** The chaincode balancer (provisioner/src/balancer). */
  readonly balancer: string;
  /** By chaincode name. */
  readonly chaincodes: ReadonlyMap<string, string>;
}

/** The section with every default filled in: what the manifests are made from. */
export interface KubernetesOptions {
  readonly namespace: string;
  readonly storageClass?: string;
  readonly storage: { readonly orderer: string; readonly peer: string };
  readonly images: Images;
  /** Pods of each org's chaincode balancer (per chaincode slot). */
  readonly balancerReplicas: number;
  readonly otlpUrl?: string;
}

export function kubernetesOptions(network: Network, spec: KubernetesSpec = {}, overrides: { namespace?: string } = {}): KubernetesOptions {
  const fabric = FABRIC_RELEASE[network.fabric];
  const img = spec.images ?? {};
  return {
    namespace: overrides.namespace ?? spec.namespace ?? network.name,
    ...(spec.storageClass ? { storageClass: spec.storageClass } : {}),
    storage: { orderer: spec.storage?.orderer ?? '1Gi', peer: spec.storage?.peer ?? '2Gi' },
    images: {
      peer: img.peer ?? `hyperledger/fabric-peer:${fabric}`,
      orderer: img.orderer ?? `hyperledger/fabric-orderer:${fabric}`,
      sidecar: img.sidecar ?? `mictract/sidecar:${MICTRACT_VERSION}`,
      exporter: img.exporter ?? `mictract/exporter:${MICTRACT_VERSION}`,
      balancer: img.balancer ?? `mictract/balancer:${MICTRACT_VERSION}`,
      chaincodes: new Map(network.chaincodes.map((cc) => [cc.name, img.chaincodes?.[cc.name] ?? `mictract/chaincode-${cc.service}:${cc.version}`])),
    },
    balancerReplicas: spec.balancer?.replicas ?? 2,
    ...(spec.otlpUrl ? { otlpUrl: spec.otlpUrl } : {}),
  };
}
