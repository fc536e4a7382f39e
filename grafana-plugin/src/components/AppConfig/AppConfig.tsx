import React, { useState } from 'react';
import { lastValueFrom } from 'rxjs';
import type { AppPluginMeta, PluginConfigPageProps, PluginMeta } from '@grafana/data';
import { DataSourcePicker, getBackendSrv, getDataSourceSrv } from '@grafana/runtime';
import { Alert, Button, Field, FieldSet, Input, Stack } from '@grafana/ui';
import { getJson } from '../../api/request';
import { ledgerApi } from '../../api/ledgerApi';
import { instantQuery } from '../../prometheus/promClient';
import type { MictractSettings } from '../../settings';
import { testIds } from '../testIds';
import { checkAll, validateApiUrl, type CheckDeps, type CheckResult } from './connectionCheck';

export interface AppConfigProps extends PluginConfigPageProps<AppPluginMeta<MictractSettings>> {}

export const liveDeps: CheckDeps = {
  channels: () => ledgerApi.channels(),
  promQuery: (uid, expr) => instantQuery(uid, expr),
  dataSource: (uid) => {
    const ds = getDataSourceSrv().getInstanceSettings(uid);
    return ds ? { type: ds.type, name: ds.name } : undefined;
  },
  health: (uid) =>
    getJson<{ status: string; message: string }>(`api/datasources/uid/${encodeURIComponent(uid)}/health`),
};

async function saveSettings(pluginId: string, data: Partial<PluginMeta<MictractSettings>>) {
  await lastValueFrom(
    getBackendSrv().fetch({ url: `api/plugins/${pluginId}/settings`, method: 'POST', data, showErrorAlert: false })
  );
}

const SEVERITY = { ok: 'success', warning: 'warning', error: 'error' } as const;

export default function AppConfig({ plugin, deps = liveDeps }: AppConfigProps & { deps?: CheckDeps }) {
  const { enabled, pinned, jsonData } = plugin.meta;
  const [settings, setSettings] = useState<MictractSettings>({
    apiUrl: jsonData?.apiUrl ?? '',
    prometheusUid: jsonData?.prometheusUid,
    tracesUid: jsonData?.tracesUid,
  });
  const [busy, setBusy] = useState(false);
  const [results, setResults] = useState<CheckResult[] | undefined>();
  const [saveError, setSaveError] = useState<string | undefined>();
  const urlProblem = settings.apiUrl ? validateApiUrl(settings.apiUrl) : undefined;

  const onSaveAndTest = async () => {
    setBusy(true);
    setSaveError(undefined);
    setResults(undefined);
    try {
      await saveSettings(plugin.meta.id, {
        enabled: true,
        pinned: pinned ?? true,
        jsonData: { ...jsonData, ...settings },
      });
    } catch (err) {
      setSaveError(
        `Saving failed: ${(err as { data?: { message?: string } }).data?.message ?? String(err)}. Only an organization admin may change app settings.`
      );
      setBusy(false);
      return;
    }
    setResults(await checkAll(settings, deps));
    setBusy(false);
  };

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        onSaveAndTest();
      }}
    >
      {!enabled && (
        <Alert severity="info" title="The app is not enabled yet">
          Saving enables it.
        </Alert>
      )}
      <FieldSet label="Ledger API">
        <Field
          label="Ledger API URL"
          description="The exporter's ledger API as the Grafana server reaches it (never the browser): its listen address followed by /api/v1."
          invalid={Boolean(urlProblem)}
          error={urlProblem}
        >
          <Input
            width={60}
            id="config-api-url"
            data-testid={testIds.appConfig.apiUrl}
            value={settings.apiUrl}
            placeholder="http://exporter:9464/api/v1"
            onChange={(e) => setSettings({ ...settings, apiUrl: e.currentTarget.value.trim() })}
          />
        </Field>
      </FieldSet>
      <FieldSet label="Data sources">
        <Field
          label="Prometheus"
          description="Scrapes mictract-exporter and the chaincode sidecars (metrics prefixed mictract_)."
        >
          <div data-testid={testIds.appConfig.prometheus}>
            <DataSourcePicker
              width={60}
              pluginId="prometheus"
              current={settings.prometheusUid ?? null}
              noDefault
              onChange={(ds) => setSettings({ ...settings, prometheusUid: ds.uid })}
            />
          </div>
        </Field>
        <Field
          label="Traces"
          description="Tempo or Jaeger, receiving the exporter's and sidecars' spans (trace ID = the tx ID's first 32 hex characters)."
        >
          <div data-testid={testIds.appConfig.traces}>
            <DataSourcePicker
              width={60}
              tracing
              current={settings.tracesUid ?? null}
              noDefault
              filter={(ds) => ds.type === 'tempo' || ds.type === 'jaeger'}
              onChange={(ds) => setSettings({ ...settings, tracesUid: ds.uid })}
            />
          </div>
        </Field>
      </FieldSet>
      <Button type="submit" data-testid={testIds.appConfig.submit} disabled={busy} icon={busy ? 'spinner' : 'check'}>
        Save &amp; test
      </Button>
      <div data-testid={testIds.appConfig.result} style={{ marginTop: 16 }}>
        {saveError && <Alert severity="error" title={saveError} />}
        {results && (
          <Stack direction="column" gap={1}>
            {results.map((r) => (
              <Alert key={r.name} severity={SEVERITY[r.status]} title={r.name}>
                {r.message}
              </Alert>
            ))}
          </Stack>
        )}
      </div>
    </form>
  );
}
