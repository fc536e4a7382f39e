import type { DataSourceInstanceSettings } from '@grafana/data';
import type { DataSourceSrv } from '@grafana/runtime';

/**
 * A stand-in for Grafana's DataSourceSrv over a fixed list of data sources: what the plugin and
 * DataSourcePicker call (instance settings by uid, the list filtered by plugin, tracing or a predicate).
 * Used by the page tests and the development host.
 */
export function listDataSourceSrv(list: DataSourceInstanceSettings[]): DataSourceSrv {
  return {
    getInstanceSettings: (ref: any) => list.find((d) => d.uid === (typeof ref === 'string' ? ref : ref?.uid)),
    getList: (f: any = {}) =>
      list.filter(
        (d) =>
          (f.tracing ? d.meta.tracing : true) &&
          (f.pluginId ? d.type === f.pluginId : true) &&
          (f.filter ? f.filter(d) : true)
      ),
    get: async () => undefined,
    reload: async () => undefined,
    registerRuntimeDataSource: () => undefined,
  } as unknown as DataSourceSrv;
}
