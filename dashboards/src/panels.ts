import * as common from '@grafana/grafana-foundation-sdk/common';
import { DashboardBuilder, DashboardCursorSync, DashboardLinkBuilder, DashboardLinkType, DatasourceVariableBuilder, QueryVariableBuilder, VariableRefresh, VariableSort } from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { site } from './thresholds';

// Small builders the three dashboards share: the data source variable, label variables, queries,
// and the panel types in Mictract's house style. Queries read the `datasource` variable, so one
// dashboard serves every Prometheus it is pointed at.

export const DS: common.DataSourceRef = { type: 'prometheus', uid: '${datasource}' };

export const datasourceVariable = () => new DatasourceVariableBuilder('datasource').label('Prometheus').type('prometheus');

/** A multi-value label variable with "All" (= .*), from label_values(<series>, <label>). */
export function labelVariable(name: string, label: string, series: string): QueryVariableBuilder {
  const query = `label_values(${series}, ${name})`;
  return new QueryVariableBuilder(name)
    .label(label)
    .datasource(DS)
    .query(query)
    .definition(query)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .allValue('.*');
}

export interface QueryOptions {
  readonly exemplar?: boolean;
  readonly instant?: boolean;
  readonly refId?: string;
}

export function query(expr: string, legend: string, opts: QueryOptions = {}): DataqueryBuilder {
  const q = new DataqueryBuilder().datasource(DS).expr(expr).legendFormat(legend);
  if (opts.exemplar) q.exemplar(true);
  if (opts.instant) q.instant();
  else q.range();
  if (opts.refId) q.refId(opts.refId);
  return q;
}

export function timeseriesPanel(title: string, description: string, unit: string, queries: DataqueryBuilder[], width = 12): timeseries.PanelBuilder {
  return new timeseries.PanelBuilder()
    .title(title)
    .description(description)
    .datasource(DS)
    .unit(unit)
    .span(width)
    .height(8)
    .lineWidth(1)
    .fillOpacity(10)
    .showPoints(common.VisibilityMode.Never)
    .legend(new common.VizLegendOptionsBuilder().displayMode(common.LegendDisplayMode.List).placement(common.LegendPlacement.Bottom).showLegend(true))
    .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending))
    .targets(queries);
}

export function statPanel(title: string, description: string, unit: string, queries: DataqueryBuilder[], width = 6): stat.PanelBuilder {
  return new stat.PanelBuilder()
    .title(title)
    .description(description)
    .datasource(DS)
    .unit(unit)
    .span(width)
    .height(4)
    .graphMode(common.BigValueGraphMode.Area)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .targets(queries);
}

export function tablePanel(title: string, description: string, unit: string, queries: DataqueryBuilder[], width = 12): table.PanelBuilder {
  return new table.PanelBuilder().title(title).description(description).datasource(DS).unit(unit).span(width).height(8).targets(queries);
}

/** A page of the Mictract app plugin, carrying the dashboard's variables and time range. */
export function pluginLink(title: string, page: string, tooltip: string): DashboardLinkBuilder {
  return new DashboardLinkBuilder(title)
    .type(DashboardLinkType.Link)
    .url(`/a/${site.pluginId}/${page}`)
    .tooltip(tooltip)
    .icon('external link')
    .includeVars(true)
    .keepTime(true)
    .targetBlank(false);
}

/** The other Mictract dashboards, as one drop-down. */
export const otherDashboards = () =>
  new DashboardLinkBuilder('Mictract dashboards').type(DashboardLinkType.Dashboards).tags(['mictract']).asDropdown(true).includeVars(true).keepTime(true);

/** A data link from a series to a plugin page, with its labels as the page's parameters. */
export const pluginDataLink = (title: string, page: string, params: Record<string, string>) =>
  new DashboardLinkBuilder(title)
    .type(DashboardLinkType.Link)
    .url(`/a/${site.pluginId}/${page}${Object.keys(params).length ? '?' : ''}${Object.entries(params).map(([k, v]) => `${k}=${v}`).join('&')}`)
    .targetBlank(false);

/** A Mictract dashboard: tagged, crosshair shared, last hour refreshed every 30 s, a Prometheus picker, links to the others. */
export function mictractDashboard(title: string, uid: string, description: string, tags: readonly string[]): DashboardBuilder {
  return new DashboardBuilder(`Mictract / ${title}`)
    .uid(uid)
    .description(description)
    .tags(['mictract', ...tags])
    .editable()
    .tooltip(DashboardCursorSync.Crosshair)
    .refresh('30s')
    .time({ from: 'now-1h', to: 'now' })
    .timezone('browser')
    .withVariable(datasourceVariable())
    .link(otherDashboards());
}
