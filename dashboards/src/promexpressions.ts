import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { type RuleGroup, isAlert } from './rules';

// Every PromQL expression the dashboards and rules hold, with where it is, for the tests that check
// names against the metrics reference and run each one against a real Prometheus.

export interface PanelQuery {
  readonly dashboard: string;
  readonly panel: string;
  readonly refId: string;
  readonly expr: string;
}

export function panelQueries(name: string, d: Dashboard): PanelQuery[] {
  const out: PanelQuery[] = [];
  for (const p of d.panels ?? []) {
    const targets = ((p as { targets?: { refId?: string; expr?: string }[] }).targets ?? []);
    targets.forEach((t, i) => {
      if (t.expr) out.push({ dashboard: name, panel: (p as { title?: string }).title ?? '?', refId: t.refId ?? String.fromCharCode(65 + i), expr: t.expr });
    });
  }
  return out;
}

/** Label-values queries of the template variables: label_values(<series>, <label>) → <series>. */
export function variableSeries(d: Dashboard): { name: string; series: string }[] {
  return (d.templating?.list ?? []).flatMap((v) => {
    const m = typeof v.query === 'string' ? /^label_values\((.*),\s*([a-zA-Z_]+)\)$/.exec(v.query) : null;
    return m ? [{ name: v.name, series: m[1]! }] : [];
  });
}

export interface RuleExpression {
  readonly group: string;
  readonly name: string;
  readonly kind: 'alert' | 'record';
  readonly expr: string;
}

export const ruleExpressions = (groups: readonly RuleGroup[]): RuleExpression[] =>
  groups.flatMap((g) => g.rules.map((r) => (isAlert(r) ? { group: g.name, name: r.alert, kind: 'alert' as const, expr: r.expr } : { group: g.name, name: r.record, kind: 'record' as const, expr: r.expr })));

/** A dashboard query as Prometheus can run it: Grafana's variables replaced by "any" and fixed ranges. */
export function withoutVariables(expr: string, rateInterval = '1m'): string {
  return expr
    .replace(/\$__rate_interval|\$__interval|\$__range/g, rateInterval)
    .replace(/=~"\$\{?[a-zA-Z_]+\}?"/g, '=~".*"');
}
