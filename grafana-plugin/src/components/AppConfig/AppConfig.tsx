import React, { useState } from 'react';
import { lastValueFrom } from 'rxjs';
import type { AppPluginMeta, PluginConfigPageProps, PluginMeta } from '@grafana/data';
import { DataSourcePicker, getBackendSrv, getDataSourceSrv } from '@grafana/runtime';
import { Alert, Button, Field, FieldSet, Input, SecretInput, Stack } from '@grafana/ui';
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

/** The app's secure settings (secureJsonData): written, never read back; Grafana only says which are set (secureJsonFields). */
export interface MictractSecureSettings {
  /** The exporter's profile token: the `profiles` route sends it as X-Mictract-Profile-Token. */
  profileToken?: string;
}

/** data-testid of the profile token field (the other fields' are in ../testIds). */
export const PROFILE_TOKEN_TESTID = 'data-testid ac-profile-token';

async function saveSettings(
  pluginId: string,
  data: Partial<PluginMeta<MictractSettings>> & { secureJsonData?: MictractSecureSettings }
) {
  await lastValueFrom(
    getBackendSrv().fetch({ url: `api/plugins/${pluginId}/settings`, method: 'POST', data, showErrorAlert: false })
  );
}

const NO_PROFILE_TOKEN: CheckResult = {
  name: 'Profile token',
  status: 'warning',
  message:
    "No profile token: the Profile page shows profiles but cannot start a capture (the exporter refuses it, 403). Paste the exporter's token (observability/profile-token in the network's folder).",
};

const SEVERITY = { ok: 'success', warning: 'warning', error: 'error' } as const;

export default function AppConfig({ plugin, deps = liveDeps }: AppConfigProps & { deps?: CheckDeps }) {
  const { enabled, pinned, jsonData, secureJsonFields } = plugin.meta;
  const [settings, setSettings] = useState<MictractSettings>({
    apiUrl: jsonData?.apiUrl ?? '',
    prometheusUid: jsonData?.prometheusUid,
    tracesUid: jsonData?.tracesUid,
  });
  // as Grafana does for secure fields: a set token is shown as "configured" (its value never reaches the
  // browser) until Reset; only a token typed after Reset (or a first one) is sent, else the stored one stays
  const [profileToken, setProfileToken] = useState('');
  const [profileTokenSet, setProfileTokenSet] = useState(Boolean(secureJsonFields?.profileToken));
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
        // a new token, or '' to clear one that was Reset; nothing when the stored one is kept (or there never was one)
        ...(!profileTokenSet && (profileToken.trim() || secureJsonFields?.profileToken)
          ? { secureJsonData: { profileToken: profileToken.trim() } }
          : {}),
      });
    } catch (err) {
      setSaveError(
        `Saving failed: ${(err as { data?: { message?: string } }).data?.message ?? String(err)}. Only an organization admin may change app settings.`
      );
      setBusy(false);
      return;
    }
    const tokenSaved = profileTokenSet || profileToken.trim() !== '';
    if (tokenSaved) {
      setProfileTokenSet(true);
      setProfileToken('');
    }
    const checks = await checkAll(settings, deps);
    setResults(tokenSaved ? checks : [...checks, NO_PROFILE_TOKEN]);
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
      <FieldSet label="Profiling">
        <Field
          label="Profile token"
          description="The exporter's profile token (profileTokenFile in its configuration; mictract up writes it to the network's observability/profile-token). Grafana's server adds it to capture requests from the Profile page; browsers never see it."
        >
          <SecretInput
            width={60}
            id="config-profile-token"
            data-testid={PROFILE_TOKEN_TESTID}
            value={profileToken}
            isConfigured={profileTokenSet}
            placeholder="the contents of observability/profile-token"
            onChange={(e) => setProfileToken(e.currentTarget.value)}
            onReset={() => {
              setProfileToken('');
              setProfileTokenSet(false);
            }}
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
