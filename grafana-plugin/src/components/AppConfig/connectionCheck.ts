import { classifyFailure } from '../../api/request';
import type { ChannelList } from '../../api/types';
import type { MictractSettings } from '../../settings';

// "Test connection": one verdict per dependency, each saying exactly what is wrong and what to do.
// The requests are injected, so the verdicts are unit-tested on recorded answers.

export type CheckStatus = 'ok' | 'warning' | 'error';

export interface CheckResult {
  name: 'Ledger API' | 'Prometheus' | 'Traces' | 'Profile token';
  status: CheckStatus;
  message: string;
}

export interface CheckDeps {
  channels(): Promise<ChannelList>;
  /** An instant query's samples through the Prometheus data source. */
  promQuery(uid: string, expr: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>>;
  /** The data source's type and name, or undefined when the uid is unknown. */
  dataSource(uid: string): { type: string; name: string } | undefined;
  /** Grafana's health check of a data source (`/api/datasources/uid/<uid>/health`). */
  health(uid: string): Promise<{ status: string; message: string }>;
}

export function validateApiUrl(url: string | undefined): string | undefined {
  if (!url || url.trim() === '') {
    return 'Set the ledger API URL: the exporter\u2019s listen address followed by /api/v1, e.g. http://exporter:9464/api/v1.';
  }
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `"${url}" is not a URL; write it as http://host:port/api/v1.`;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    return `The ledger API URL must start with http:// or https:// (got ${u.protocol}).`;
  }
  if (!/\/api\/v1\/?$/.test(u.pathname)) {
    return `The ledger API URL must end in /api/v1 (the exporter serves the API there); try ${u.origin}/api/v1.`;
  }
  return undefined;
}

export async function checkLedgerApi(settings: MictractSettings, deps: CheckDeps): Promise<CheckResult> {
  const invalid = validateApiUrl(settings.apiUrl);
  if (invalid) {
    return { name: 'Ledger API', status: 'error', message: invalid };
  }
  try {
    const { channels } = await deps.channels();
    if (channels.length === 0) {
      return {
        name: 'Ledger API',
        status: 'warning',
        message: 'The exporter answers but exports no channel: add one to its configuration (channels: [mychannel]).',
      };
    }
    const list = channels.map((c) => `${c.name} (height ${c.height})`).join(', ');
    return { name: 'Ledger API', status: 'ok', message: `Connected: ${list}.` };
  } catch (err) {
    const f = classifyFailure(err);
    switch (f.kind) {
      case 'unreachable':
        return {
          name: 'Ledger API',
          status: 'error',
          message: `Grafana cannot connect to ${settings.apiUrl} (${f.message}). Check that mictract-exporter runs and listens on an address the Grafana server can reach (its listen defaults to 127.0.0.1:9464, loopback only).`,
        };
      case 'not-ledger-api':
        return {
          name: 'Ledger API',
          status: 'error',
          message: `${settings.apiUrl} answered (${f.message}) but is not the exporter's ledger API. The URL must be the exporter's address followed by /api/v1.`,
        };
      case 'not-configured':
        return {
          name: 'Ledger API',
          status: 'error',
          message: `Grafana's plugin proxy has no URL for the route (${f.message}): save the settings first.`,
        };
      default:
        return { name: 'Ledger API', status: 'error', message: `The ledger API failed: ${f.message}.` };
    }
  }
}

export async function checkPrometheus(settings: MictractSettings, deps: CheckDeps): Promise<CheckResult> {
  const uid = settings.prometheusUid;
  if (!uid) {
    return {
      name: 'Prometheus',
      status: 'warning',
      message: 'No Prometheus data source chosen: the channel overview and the chaincode pods need one.',
    };
  }
  const ds = deps.dataSource(uid);
  if (!ds) {
    return {
      name: 'Prometheus',
      status: 'error',
      message: `The chosen data source (uid ${uid}) no longer exists; choose another.`,
    };
  }
  if (ds.type !== 'prometheus') {
    return {
      name: 'Prometheus',
      status: 'error',
      message: `${ds.name} is a ${ds.type} data source; choose a Prometheus one.`,
    };
  }
  try {
    const exporter = await deps.promQuery(uid, 'count(mictract_ledger_height)');
    const sidecars = await deps.promQuery(uid, 'count(count by (pod) (mictract_chaincode_invocations_total))');
    if (exporter.length === 0) {
      return {
        name: 'Prometheus',
        status: 'error',
        message: `${ds.name} answers but has no mictract_ledger_height: it does not scrape mictract-exporter. Add a scrape job for the exporter's /metrics.`,
      };
    }
    const pods = sidecars[0] ? Number(sidecars[0].value[1]) : 0;
    if (pods === 0) {
      return {
        name: 'Prometheus',
        status: 'warning',
        message: `${ds.name} scrapes the exporter, but no sidecar has counted an invocation yet (mictract_chaincode_invocations_total): the pod view stays empty until chaincode runs behind mictract-sidecar and Prometheus scrapes it.`,
      };
    }
    return {
      name: 'Prometheus',
      status: 'ok',
      message: `${ds.name} scrapes the exporter and ${pods} chaincode pod${pods === 1 ? '' : 's'}.`,
    };
  } catch (err) {
    return {
      name: 'Prometheus',
      status: 'error',
      message: `Querying ${ds.name} failed: ${classifyFailure(err).message}. Check its URL in Connections → Data sources.`,
    };
  }
}

export async function checkTraces(settings: MictractSettings, deps: CheckDeps): Promise<CheckResult> {
  const uid = settings.tracesUid;
  if (!uid) {
    return {
      name: 'Traces',
      status: 'warning',
      message: 'No traces data source chosen: "Open trace" on a transaction needs Tempo or Jaeger.',
    };
  }
  const ds = deps.dataSource(uid);
  if (!ds) {
    return {
      name: 'Traces',
      status: 'error',
      message: `The chosen data source (uid ${uid}) no longer exists; choose another.`,
    };
  }
  if (ds.type !== 'tempo' && ds.type !== 'jaeger') {
    return {
      name: 'Traces',
      status: 'error',
      message: `${ds.name} is a ${ds.type} data source; choose Tempo or Jaeger.`,
    };
  }
  try {
    const h = await deps.health(uid);
    if (h.status.toUpperCase() !== 'OK') {
      return { name: 'Traces', status: 'error', message: `${ds.name} fails its health check: ${h.message}` };
    }
    return { name: 'Traces', status: 'ok', message: `${ds.name} (${ds.type}) is healthy.` };
  } catch (err) {
    const f = classifyFailure(err);
    return { name: 'Traces', status: 'error', message: `${ds.name} fails its health check: ${f.message}` };
  }
}

export function checkAll(settings: MictractSettings, deps: CheckDeps): Promise<CheckResult[]> {
  return Promise.all([checkLedgerApi(settings, deps), checkPrometheus(settings, deps), checkTraces(settings, deps)]);
}
