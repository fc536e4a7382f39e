// The development host's page: what Grafana's frontend gives an app plugin, and no more. It sets
// @grafana/runtime's documented setters (backendSrv, dataSourceSrv, locationService), provides the
// shared modules the plugin's AMD bundle imports (react, @grafana/*, …), loads the built module.js
// from /public/plugins/mictract-app/ like Grafana does, and renders the app's root page or its
// configuration page. Bundled by esbuild (devhost/build.mjs); served by devhost/server.ts.

import React from 'react';
import * as ReactAll from 'react';
import * as ReactDOM from 'react-dom';
import * as ReactDOMClient from 'react-dom/client';
import * as JsxRuntime from 'react/jsx-runtime';
import * as ReactRouter from 'react-router';
import * as ReactRouterDom from 'react-router-dom';
import { BrowserRouter, Link, Route, Routes } from 'react-router-dom';
import * as Rxjs from 'rxjs';
// @ts-expect-error -- d3 ships no type declarations; the host only hands the module to the plugin
import * as D3 from 'd3';
import Lodash from 'lodash';
import * as EmotionCss from '@emotion/css';
import * as EmotionReact from '@emotion/react';
import * as GrafanaData from '@grafana/data';
import * as GrafanaUi from '@grafana/ui';
import * as GrafanaRuntime from '@grafana/runtime';
import { createTheme, type AppPlugin, type DataSourceInstanceSettings, type PluginMeta } from '@grafana/data';
import { GlobalStyles, ThemeContext } from '@grafana/ui';
import {
  HistoryWrapper,
  setBackendSrv,
  setDataSourceSrv,
  setLocationService,
  type BackendSrvRequest,
  type PluginPageProps,
} from '@grafana/runtime';
// Grafana-internal (not in the package's exports): Grafana sets its own PluginPage with the page header
// @ts-expect-error -- a module of @grafana/runtime's build without its own declaration file
import { setPluginPage } from '../../node_modules/@grafana/runtime/dist/esm/components/PluginPage.mjs';
import { listDataSourceSrv } from '../src/testing/dataSourceSrv';

interface HostConfig {
  jsonData: Record<string, unknown>;
  datasources: Array<{ uid: string; type: string; name: string }>;
}

const SHARED: Record<string, unknown> = {
  react: ReactAll,
  'react-dom': ReactDOM,
  'react-dom/client': ReactDOMClient,
  'react/jsx-runtime': JsxRuntime,
  'react-router': ReactRouter,
  'react-router-dom': ReactRouterDom,
  rxjs: Rxjs,
  // Grafana shares d3 with plugins (an external of the plugin's webpack build); @grafana/flamegraph uses it
  d3: D3,
  lodash: Lodash,
  '@emotion/css': EmotionCss,
  '@emotion/react': EmotionReact,
  '@grafana/data': GrafanaData,
  '@grafana/ui': GrafanaUi,
  '@grafana/runtime': GrafanaRuntime,
};

/** Loads an AMD module the way Grafana's SystemJS does for plugins: `define(deps, factory)`. */
function loadAmd(url: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    (window as any).define = (deps: string[], factory: (...args: unknown[]) => Record<string, unknown>) => {
      const exports: Record<string, unknown> = {};
      const args = deps.map((d) => {
        if (d === 'module') {
          return { uri: url };
        }
        if (d === 'exports') {
          return exports;
        }
        if (!(d in SHARED)) {
          throw new Error(`the plugin imports ${d}, which the development host does not provide`);
        }
        return SHARED[d];
      });
      const out = factory(...args);
      resolve(out ?? exports);
    };
    (window as any).define.amd = true;
    const s = document.createElement('script');
    s.src = url;
    s.onerror = () => reject(new Error(`cannot load ${url}`));
    document.head.appendChild(s);
  });
}

function fetchObservable(req: BackendSrvRequest) {
  return new Rxjs.Observable<any>((sub) => {
    const params = req.params ? `?${new URLSearchParams(req.params as Record<string, string>)}` : '';
    const url = `/${req.url.replace(/^\//, '')}${params}`;
    fetch(url, {
      method: req.method ?? 'GET',
      headers: req.data ? { 'content-type': 'application/json' } : undefined,
      body: req.data ? JSON.stringify(req.data) : undefined,
    })
      .then(async (r) => {
        const text = await r.text();
        let data: unknown = text;
        try {
          data = JSON.parse(text);
        } catch {
          // as text
        }
        if (!r.ok) {
          sub.error({ status: r.status, statusText: r.statusText, data, config: req });
          return;
        }
        sub.next({ data, status: r.status, ok: true, statusText: r.statusText, headers: r.headers, url, config: req });
        sub.complete();
      })
      .catch((err) => sub.error({ status: 0, statusText: String(err), data: { message: String(err) }, config: req }));
  });
}

function HostPluginPage({ pageNav, subTitle, actions, children }: PluginPageProps) {
  return (
    <div style={{ padding: '16px 24px' }}>
      <div
        style={{
          display: 'flex',
          justifyContent: 'space-between',
          alignItems: 'flex-start',
          gap: 16,
          marginBottom: 16,
        }}
      >
        <div>
          <h1 style={{ marginBottom: 4 }}>{pageNav?.text}</h1>
          {subTitle && <div style={{ opacity: 0.75 }}>{subTitle}</div>}
        </div>
        {actions}
      </div>
      {children}
    </div>
  );
}

const NAV: Array<[string, string]> = [
  ['Overview', '/a/mictract-app/channels'],
  ['Blocks', '/a/mictract-app/blocks'],
  ['Search', '/a/mictract-app/search'],
  ['Key history', '/a/mictract-app/keys'],
  ['Conflicts', '/a/mictract-app/conflicts'],
  ['Certificates', '/a/mictract-app/certificates'],
  ['Chaincode pods', '/a/mictract-app/pods'],
  ['Configuration', '/plugins/mictract-app'],
];

function Shell({ children }: { children: React.ReactNode }) {
  return (
    <div style={{ display: 'flex', minHeight: '100vh' }}>
      <nav style={{ width: 180, padding: 16, borderRight: '1px solid rgba(204,204,220,0.12)' }} aria-label="Mictract">
        <div style={{ fontWeight: 600, marginBottom: 4 }}>Mictract</div>
        <div style={{ fontSize: 11, opacity: 0.6, marginBottom: 12 }}>development host (preview, not Grafana)</div>
        {NAV.map(([label, to]) => (
          <div key={to} style={{ margin: '6px 0' }}>
            <Link to={to}>{label}</Link>
          </div>
        ))}
      </nav>
      <main style={{ flex: 1, minWidth: 0 }}>{children}</main>
    </div>
  );
}

async function main() {
  const config: HostConfig = await (await fetch('/devhost/config.json')).json();
  const list = config.datasources.map(
    (d) =>
      ({
        ...d,
        id: 0,
        access: 'proxy',
        jsonData: {},
        readOnly: true,
        meta: {
          id: d.type,
          name: d.type,
          tracing: d.type !== 'prometheus',
          metrics: d.type === 'prometheus',
          info: { logos: { small: '' } },
        },
      }) as unknown as DataSourceInstanceSettings
  );
  setBackendSrv({
    fetch: fetchObservable,
    get: (url: string, params?: any) => Rxjs.lastValueFrom(fetchObservable({ url, params })).then((r) => r.data),
  } as any);
  setDataSourceSrv(listDataSourceSrv(list));
  // Grafana's default locationService already wraps the browser history, as in Grafana itself;
  // setLocationService is only allowed under NODE_ENV=test (tests install an in-memory one).
  if (process.env.NODE_ENV === 'test') {
    setLocationService(new HistoryWrapper());
  }
  setPluginPage(HostPluginPage);

  const mod = await loadAmd('/public/plugins/mictract-app/module.js');
  const plugin = mod.plugin as AppPlugin;
  const meta = {
    id: 'mictract-app',
    type: 'app',
    name: 'Mictract',
    enabled: true,
    pinned: true,
    jsonData: config.jsonData,
    info: {},
  } as unknown as PluginMeta;
  plugin.meta = meta as any;
  const Root = plugin.root!;
  const Config = plugin.configPages![0]!.body;
  const theme = createTheme({ colors: { mode: 'dark' } });

  ReactDOMClient.createRoot(document.getElementById('root')!).render(
    <ThemeContext.Provider value={theme}>
      <GlobalStyles />
      <BrowserRouter future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>
        <Shell>
          <Routes>
            <Route
              path="/a/mictract-app/*"
              element={
                <Root
                  meta={meta as any}
                  basename="/a/mictract-app"
                  path="/a/mictract-app"
                  query={{}}
                  onNavChanged={() => undefined}
                />
              }
            />
            <Route
              path="/plugins/mictract-app"
              element={
                <HostPluginPage pageNav={{ text: 'Mictract configuration' }}>
                  <Config plugin={plugin as any} query={{}} />
                </HostPluginPage>
              }
            />
            <Route
              path="*"
              element={
                <HostPluginPage pageNav={{ text: 'Not a plugin page' }}>
                  Open the Mictract app from the menu.
                </HostPluginPage>
              }
            />
          </Routes>
        </Shell>
      </BrowserRouter>
    </ThemeContext.Provider>
  );
}

main().catch((err) => {
  document.getElementById('root')!.textContent = `development host: ${err instanceof Error ? err.stack : String(err)}`;
});
