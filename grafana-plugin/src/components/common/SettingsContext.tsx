import React, { createContext, useContext, useMemo } from 'react';
import { getDataSourceSrv } from '@grafana/runtime';
import type { MictractSettings } from '../../settings';
import type { DataSourceRef } from '../../traces/exploreLinks';

export interface ResolvedSettings extends MictractSettings {
  /** The traces data source with its type (tempo, jaeger), when chosen and known. */
  traces?: DataSourceRef;
  /** The Prometheus data source, when chosen and known. */
  prometheus?: DataSourceRef;
}

const Ctx = createContext<ResolvedSettings>({});

function resolve(uid: string | undefined): DataSourceRef | undefined {
  if (!uid) {
    return undefined;
  }
  const ds = getDataSourceSrv().getInstanceSettings(uid);
  return ds ? { uid: ds.uid, type: ds.type } : undefined;
}

export function SettingsProvider({ settings, children }: { settings: MictractSettings; children: React.ReactNode }) {
  const value = useMemo(
    () => ({ ...settings, traces: resolve(settings.tracesUid), prometheus: resolve(settings.prometheusUid) }),
    [settings]
  );
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export const useSettings = () => useContext(Ctx);
