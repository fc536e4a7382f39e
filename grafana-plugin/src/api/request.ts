import { lastValueFrom } from 'rxjs';
import { getBackendSrv } from '@grafana/runtime';

/** What went wrong with a request, in the terms a person can act on. */
export type FailureKind =
  | 'not-configured' // no URL / data source chosen
  | 'unreachable' // Grafana's proxy could not reach the target
  | 'not-ledger-api' // something answered, but not the ledger API
  | 'not-found' // the API says: no such channel/block/transaction/key
  | 'bad-request' // the API rejected a parameter
  | 'peer' // the exporter could not ask the peer
  | 'unexpected';

export class RequestFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
    readonly status?: number,
    readonly url?: string
  ) {
    super(message);
    this.name = 'RequestFailure';
  }
}

interface FetchErrorLike {
  status?: number;
  statusText?: string;
  data?: unknown;
  message?: string;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/**
 * Classifies a failed request through Grafana's data proxy. The exporter answers errors as
 * `{"error": "..."}`; Grafana's proxy answers its own failures as `{"message": "..."}` (502 when the
 * target is down, 404/500 when the route is missing or its URL empty); anything else is not the API.
 */
export function classifyFailure(err: unknown, url?: string): RequestFailure {
  if (err instanceof RequestFailure) {
    return err;
  }
  const e: FetchErrorLike = isObj(err) ? (err as FetchErrorLike) : { message: String(err) };
  const status = e.status;
  const data = e.data;
  const apiMessage = isObj(data) && typeof data.error === 'string' ? data.error : undefined;
  const proxyMessage = isObj(data) && typeof data.message === 'string' ? data.message : undefined;
  if (apiMessage !== undefined) {
    if (status === 404) {
      return new RequestFailure('not-found', apiMessage, status, url);
    }
    if (status === 400) {
      return new RequestFailure('bad-request', apiMessage, status, url);
    }
    if (status === 502) {
      return new RequestFailure('peer', apiMessage, status, url);
    }
    return new RequestFailure('unexpected', apiMessage, status, url);
  }
  if (status === undefined || status === 0) {
    return new RequestFailure('unreachable', e.message ?? 'no answer', status, url);
  }
  if (status === 502 || status === 503 || status === 504) {
    return new RequestFailure('unreachable', proxyMessage ?? e.statusText ?? `HTTP ${status}`, status, url);
  }
  if (proxyMessage && /plugin|route|not configured|url/i.test(proxyMessage)) {
    return new RequestFailure('not-configured', proxyMessage, status, url);
  }
  if (status === 404 || status === 405 || typeof data === 'string') {
    return new RequestFailure(
      'not-ledger-api',
      proxyMessage ?? `HTTP ${status} without the ledger API's error body`,
      status,
      url
    );
  }
  return new RequestFailure('unexpected', proxyMessage ?? e.statusText ?? e.message ?? `HTTP ${status}`, status, url);
}

/** GET a JSON resource through Grafana's backend (the data proxy), with failures classified. */
export async function getJson<T>(url: string): Promise<T> {
  try {
    const response = await lastValueFrom(
      getBackendSrv().fetch<T>({ url, method: 'GET', showErrorAlert: false, showSuccessAlert: false })
    );
    return response.data;
  } catch (err) {
    throw classifyFailure(err, url);
  }
}
