// A stand-in for the parts of Grafana the pages use — @grafana/runtime's backendSrv (the plugin's data
// proxy route and the Prometheus data source proxy, answered from recorded fixtures) and dataSourceSrv —
// and a render helper that mounts the app's routes at a URL. Test support only.

import React from 'react';
import path from 'path';
import { Observable, throwError, of } from 'rxjs';
import { render } from '@testing-library/react';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import {
  setBackendSrv,
  setDataSourceSrv,
  type BackendSrv,
  type BackendSrvRequest,
  type FetchResponse,
  type PluginPageProps,
} from '@grafana/runtime';
import type { DataSourceInstanceSettings } from '@grafana/data';
import { API_ROOT } from '../api/ledgerPaths';
import { CAPTURE_URL } from '../api/profileApi';
import { SettingsProvider } from '../components/common/SettingsContext';
import { AppRoutes } from '../components/App/App';
import type { MictractSettings } from '../settings';
import { apiByUrl, promByExpr, type Recorded } from './fixtures';
import { listDataSourceSrv } from './dataSourceSrv';

// Grafana's own PluginPage shows the title (pageNav), subtitle and actions; the default in @grafana/runtime
// shows only the children, so stand in for Grafana's (setPluginPage is Grafana-internal, not exported).
const runtimeDir = path.dirname(require.resolve('@grafana/runtime/package.json'));
const { setPluginPage } = require(path.join(runtimeDir, 'dist/cjs/components/PluginPage.cjs'));

export function FakePluginPage({ pageNav, subTitle, actions, children }: PluginPageProps) {
  return (
    <div>
      <h1>{pageNav?.text}</h1>
      {subTitle && <div>{subTitle}</div>}
      {actions && <div>{actions}</div>}
      {children}
    </div>
  );
}
setPluginPage(FakePluginPage);

export const PROM: DataSourceInstanceSettings = {
  uid: 'prom',
  type: 'prometheus',
  name: 'Prometheus',
  meta: { id: 'prometheus', info: { logos: { small: '' } } },
} as any;
export const TRACES: DataSourceInstanceSettings = {
  uid: 'traces',
  type: 'jaeger',
  name: 'Jaeger',
  meta: { id: 'jaeger', tracing: true, info: { logos: { small: '' } } },
} as any;
export const SETTINGS: MictractSettings = {
  apiUrl: 'http://127.0.0.1:9464/api/v1',
  prometheusUid: 'prom',
  tracesUid: 'traces',
};

export interface FakeOptions {
  /** The exporter is down: Grafana's proxy answers 502 as it does for a refused connection. */
  apiDown?: boolean;
  /** Prometheus is down (502 from the data source proxy). */
  promDown?: boolean;
  /** Requests never answer (to see loading states). */
  hang?: boolean;
  /** Override answers by URL (ledger API path or PromQL expression). */
  answers?: Record<string, Recorded>;
}

export interface FakeBackend {
  requests: BackendSrvRequest[];
}

function answer(r: Recorded, url: string): Observable<FetchResponse<any>> {
  if (r.status >= 400) {
    return throwError(() => ({ status: r.status, statusText: '', data: r.body, config: { url } }));
  }
  return of({
    data: r.body,
    status: r.status,
    ok: true,
    statusText: 'OK',
    headers: new Headers(),
    redirected: false,
    type: 'basic',
    url,
    config: { url },
  } as FetchResponse);
}

const proxyDown = (url: string) =>
  throwError(() => ({
    status: 502,
    statusText: 'Bad Gateway',
    data: { message: 'dial tcp 127.0.0.1:9464: connect: connection refused' },
    config: { url },
  }));

export function installFakeGrafana(o: FakeOptions = {}): FakeBackend {
  const fake: FakeBackend = { requests: [] };
  const fetch = (req: BackendSrvRequest): Observable<FetchResponse<any>> => {
    fake.requests.push(req);
    const url = req.url;
    if (o.hang) {
      return new Observable(() => undefined);
    }
    if (url === CAPTURE_URL && req.method === 'POST') {
      // the app's capture route (it adds the exporter's token); answered by answers['POST /api/v1/profiles']
      const r = o.answers?.['POST /api/v1/profiles'];
      return r ? answer(r, url) : throwError(() => new Error('no answer for POST /api/v1/profiles'));
    }
    if (url.startsWith(`${API_ROOT}/`)) {
      if (o.apiDown) {
        return proxyDown(url);
      }
      const path = `/api/v1${url.slice(API_ROOT.length)}`;
      const r = o.answers?.[path] ?? apiByUrl(path);
      return r ? answer(r, url) : throwError(() => new Error(`no recorded answer for ${path}`));
    }
    const m = /^api\/datasources\/proxy\/uid\/([^/]+)\/api\/v1\/query\?query=(.*)$/.exec(url);
    if (m) {
      if (o.promDown) {
        return proxyDown(url);
      }
      const expr = decodeURIComponent(m[2]!);
      const r = o.answers?.[expr] ?? promByExpr(expr);
      return r ? answer(r, url) : throwError(() => new Error(`no recorded answer for PromQL ${expr}`));
    }
    if (/^api\/datasources\/uid\/[^/]+\/health$/.test(url)) {
      return of({ data: { status: 'OK', message: 'Data source is working' }, status: 200, ok: true } as FetchResponse);
    }
    if (/^api\/plugins\/[^/]+\/settings$/.test(url) && req.method === 'POST') {
      return of({ data: { message: 'Plugin settings updated' }, status: 200, ok: true } as FetchResponse);
    }
    return throwError(() => new Error(`unexpected request ${req.method ?? 'GET'} ${url}`));
  };
  setBackendSrv({ fetch } as unknown as BackendSrv);
  const list = [PROM, TRACES];
  setDataSourceSrv(listDataSourceSrv(list));
  return fake;
}

/** Renders the app's page at `url` (e.g. paths.block('mychannel', 3)) with the given settings. */
export function renderPage(url: string, settings: MictractSettings = SETTINGS) {
  return render(
    <MemoryRouter initialEntries={[url]} future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>
      <SettingsProvider settings={settings}>
        <Routes>
          <Route path="/a/mictract-app/*" element={<AppRoutes />} />
        </Routes>
      </SettingsProvider>
    </MemoryRouter>
  );
}
