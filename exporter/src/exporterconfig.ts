import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { splitHostPort } from './sidecar/hostport';

// The exporter's configuration: a YAML file (format in ../README.md, "Configuration"), with flags
// that override its fields. Relative file paths are read from the config file's folder. Every
// problem is reported at once, naming the field.

export interface PeerConfig {
  readonly endpoint: string;
  readonly tlsCaCert: string;
  readonly hostnameOverride?: string;
}

export interface ExporterConfig {
  readonly peers: readonly PeerConfig[];
  readonly identity: { readonly mspId: string; readonly certificate: string; readonly privateKey: string };
  readonly channels: readonly string[];
  readonly checkpointDir: string;
  readonly listen: string;
  readonly otlpUrl?: string;
  readonly podsFile?: string;
  /** The chaincode pods from the Kubernetes API instead of a pods file (in a cluster; src/kubernetespods.ts). */
  readonly kubernetesPods?: { readonly namespace?: string; readonly labelSelector: string };
  /** A file holding the token the Mictract app's route sends with a profile capture (POST /api/v1/profiles); none: capture is off. */
  readonly profileTokenFile?: string;
  readonly resource: Readonly<Record<string, string>>;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
}

/** What flags may set (commander's camel-cased options). */
export interface ExporterFlags {
  readonly config?: string;
  readonly peer?: readonly string[];
  readonly tlsCaCert?: string;
  readonly hostnameOverride?: string;
  readonly mspId?: string;
  readonly cert?: string;
  readonly key?: string;
  readonly channel?: readonly string[];
  readonly checkpointDir?: string;
  readonly listen?: string;
  readonly otlpUrl?: string;
  readonly podsFile?: string;
  readonly profileTokenFile?: string;
  readonly logLevel?: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export const DEFAULT_LISTEN = '127.0.0.1:9464';
const CHANNEL = /^[a-z][a-z0-9.-]{0,248}$/;
const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
const KEYS = new Set(['peers', 'identity', 'channels', 'checkpointDir', 'listen', 'otlpUrl', 'podsFile', 'kubernetesPods', 'profileTokenFile', 'resource', 'logLevel']);

type Raw = Record<string, unknown>;

function isRecord(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads the YAML file (if any), applies the flags, and checks the result. */
export async function loadExporterConfig(flags: ExporterFlags): Promise<ExporterConfig> {
  let raw: Raw = {};
  let base = process.cwd();
  if (flags.config) {
    let text: string;
    try {
      text = await readFile(flags.config, 'utf8');
    } catch (err) {
      throw new ConfigError(`--config: cannot read ${flags.config}: ${(err as Error).message}`);
    }
    const parsed: unknown = parse(text);
    if (parsed !== null && parsed !== undefined && !isRecord(parsed)) throw new ConfigError(`${flags.config}: must be a YAML mapping`);
    raw = (parsed as Raw | null) ?? {};
    base = path.dirname(path.resolve(flags.config));
  }
  return resolveConfig(raw, flags, base);
}

/** Checks a parsed config with flags applied; `base` is where relative paths start. */
export function resolveConfig(raw: Raw, flags: ExporterFlags, base: string): ExporterConfig {
  const problems: string[] = [];
  for (const key of Object.keys(raw)) if (!KEYS.has(key)) problems.push(`${key}: unknown field; known: ${[...KEYS].join(', ')}`);
  const str = (v: unknown, field: string, required: boolean): string | undefined => {
    if (v === undefined || v === null || v === '') {
      if (required) problems.push(`${field}: required`);
      return undefined;
    }
    if (typeof v !== 'string') {
      problems.push(`${field}: must be a string (got ${JSON.stringify(v)})`);
      return undefined;
    }
    return v;
  };
  const file = (v: string | undefined) => (v === undefined ? undefined : path.resolve(base, v));
  const hostPort = (v: string | undefined, field: string) => {
    if (v === undefined) return;
    try {
      splitHostPort(v);
    } catch {
      problems.push(`${field}: must be host:port (got ${JSON.stringify(v)})`);
    }
  };

  // peers: the flags' --peer list replaces the file's, sharing --tls-ca-cert and --hostname-override
  let peers: PeerConfig[] = [];
  if (flags.peer?.length) {
    const ca = file(flags.tlsCaCert);
    if (!ca) problems.push('--tls-ca-cert: required with --peer');
    flags.peer.forEach((endpoint, i) => hostPort(endpoint, `--peer[${i}]`));
    peers = flags.peer.map((endpoint) => ({ endpoint, tlsCaCert: ca ?? '', ...(flags.hostnameOverride ? { hostnameOverride: flags.hostnameOverride } : {}) }));
  } else if (raw.peers === undefined) {
    problems.push('peers: at least one peer is required (or --peer)');
  } else if (!Array.isArray(raw.peers) || raw.peers.length === 0) {
    problems.push('peers: must be a non-empty list of {endpoint, tlsCaCert, hostnameOverride?}');
  } else {
    raw.peers.forEach((p: unknown, i) => {
      if (!isRecord(p)) {
        problems.push(`peers[${i}]: must be a mapping`);
        return;
      }
      for (const k of Object.keys(p)) if (!['endpoint', 'tlsCaCert', 'hostnameOverride'].includes(k)) problems.push(`peers[${i}].${k}: unknown field`);
      const endpoint = str(p.endpoint, `peers[${i}].endpoint`, true);
      hostPort(endpoint, `peers[${i}].endpoint`);
      const tlsCaCert = file(str(p.tlsCaCert, `peers[${i}].tlsCaCert`, true)) ?? file(flags.tlsCaCert);
      const hostnameOverride = str(p.hostnameOverride, `peers[${i}].hostnameOverride`, false) ?? flags.hostnameOverride;
      peers.push({ endpoint: endpoint ?? '', tlsCaCert: tlsCaCert ?? '', ...(hostnameOverride ? { hostnameOverride } : {}) });
    });
  }

  const id: Raw = isRecord(raw.identity) ? raw.identity : {};
  if (raw.identity !== undefined && !isRecord(raw.identity)) problems.push('identity: must be a mapping {mspId, certificate, privateKey}');
  for (const k of Object.keys(id)) if (!['mspId', 'certificate', 'privateKey'].includes(k)) problems.push(`identity.${k}: unknown field`);
  const mspId = flags.mspId ?? str(id.mspId, 'identity.mspId', !flags.mspId);
  const certificate = flags.cert ? file(flags.cert) : file(str(id.certificate, 'identity.certificate', true));
  const privateKey = flags.key ? file(flags.key) : file(str(id.privateKey, 'identity.privateKey', true));

  let channels: string[] = [];
  if (flags.channel?.length) channels = [...flags.channel];
  else if (Array.isArray(raw.channels) && raw.channels.every((c) => typeof c === 'string')) channels = raw.channels as string[];
  else if (raw.channels !== undefined) problems.push('channels: must be a list of channel names');
  if (channels.length === 0) problems.push('channels: at least one channel is required (or --channel)');
  for (const c of channels) if (!CHANNEL.test(c)) problems.push(`channels: ${JSON.stringify(c)} is not a Fabric channel name ([a-z][a-z0-9.-]*)`);
  if (new Set(channels).size !== channels.length) problems.push('channels: listed twice');

  const checkpointDir = flags.checkpointDir ? file(flags.checkpointDir) : file(str(raw.checkpointDir, 'checkpointDir', true));
  const listen = flags.listen ?? str(raw.listen, 'listen', false) ?? DEFAULT_LISTEN;
  hostPort(listen, 'listen');
  const otlpUrl = flags.otlpUrl ?? str(raw.otlpUrl, 'otlpUrl', false);
  if (otlpUrl !== undefined && !/^https?:\/\/[^\s/]+/.test(otlpUrl)) problems.push(`otlpUrl: must be an http(s) URL such as http://127.0.0.1:4318 (got ${JSON.stringify(otlpUrl)})`);
  const podsFile = flags.podsFile ? file(flags.podsFile) : file(str(raw.podsFile, 'podsFile', false));
  let kubernetesPods: ExporterConfig['kubernetesPods'];
  if (raw.kubernetesPods !== undefined) {
    const k = raw.kubernetesPods;
    if (!isRecord(k)) problems.push('kubernetesPods: must be a mapping {labelSelector, namespace}');
    else {
      for (const key of Object.keys(k)) if (!['namespace', 'labelSelector'].includes(key)) problems.push(`kubernetesPods.${key}: unknown field`);
      const labelSelector = str(k.labelSelector, 'kubernetesPods.labelSelector', true);
      const namespace = str(k.namespace, 'kubernetesPods.namespace', false);
      if (labelSelector !== undefined) kubernetesPods = { labelSelector, ...(namespace ? { namespace } : {}) };
    }
    if (podsFile) problems.push('kubernetesPods: give it or podsFile, not both');
  }
  const profileTokenFile = flags.profileTokenFile ? file(flags.profileTokenFile) : file(str(raw.profileTokenFile, 'profileTokenFile', false));
  const resource: Record<string, string> = {};
  if (raw.resource !== undefined) {
    if (!isRecord(raw.resource)) problems.push('resource: must be a mapping of attribute names to strings');
    else for (const [k, v] of Object.entries(raw.resource)) typeof v === 'string' ? (resource[k] = v) : problems.push(`resource.${k}: must be a string`);
  }
  const logLevel = (flags.logLevel ?? str(raw.logLevel, 'logLevel', false) ?? 'info') as ExporterConfig['logLevel'];
  if (!LEVELS.includes(logLevel)) problems.push(`logLevel: one of ${LEVELS.join(', ')} (got ${JSON.stringify(logLevel)})`);

  if (problems.length > 0) throw new ConfigError(`exporter configuration:\n  ${problems.join('\n  ')}`);
  return {
    peers,
    identity: { mspId: mspId!, certificate: certificate!, privateKey: privateKey! },
    channels,
    checkpointDir: checkpointDir!,
    listen,
    ...(otlpUrl ? { otlpUrl } : {}),
    ...(podsFile ? { podsFile } : {}),
    ...(kubernetesPods ? { kubernetesPods } : {}),
    ...(profileTokenFile ? { profileTokenFile } : {}),
    resource,
    logLevel,
  };
}
