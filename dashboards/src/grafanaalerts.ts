import { QueryBuilder, RuleBuilder, RuleGroupBuilder } from '@grafana/grafana-foundation-sdk/alerting';
import type { Rule as GrafanaRule, RuleGroup as GrafanaRuleGroup } from '@grafana/grafana-foundation-sdk/alerting';
import { TypeMathBuilder } from '@grafana/grafana-foundation-sdk/expr';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { stringify } from 'yaml';
import { seconds } from './duration';
import { HEADER } from './promrulefiles';
import { type AlertingRule, type RuleGroup, isAlert } from './rules';
import { site } from './thresholds';

// The same alerts as Grafana-managed alert rules, in Grafana's file-provisioning format
// (provisioning/alerting/*.yaml: apiVersion 1, groups). Built with the Foundation SDK's alerting
// builders, which produce the HTTP API's shape, then converted. Each rule is self-contained: the
// recorded series it reads are inlined as their expressions, so it works against a Prometheus that
// does not load Mictract's rule files. As Grafana does when it imports Prometheus rules, query A is
// the alert's PromQL and condition B fires for every series A returns.

/** Replaces each recorded series name with its (parenthesised) expression. */
export function inlineRecorded(expr: string, recordings: ReadonlyMap<string, string>): string {
  let out = expr;
  for (const [name, body] of [...recordings].sort((a, b) => b[0].length - a[0].length)) {
    const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    out = out.replace(new RegExp(`(?<![a-zA-Z0-9_:])${escaped}(?![a-zA-Z0-9_:])`, 'g'), `(${body})`);
  }
  return out;
}

/** Seconds of the longest range selector in an expression (at least 10 minutes): Grafana's query range. */
function lookbackSeconds(expr: string): number {
  let max = 600;
  for (const m of expr.matchAll(/\[([0-9a-z]+)\]|offset ([0-9a-z]+)/g)) max = Math.max(max, Math.ceil(seconds(m[1] ?? m[2]!)));
  return max;
}

const uidOf = (alert: string) => `mictract-${alert.toLowerCase()}`;

// Grafana's $value is every query's value as text; the alert's number is query A's.
const grafanaTemplate = (text: string) => text.replace(/\$value\b/g, '$values.A.Value');

function grafanaRule(rule: AlertingRule, group: RuleGroup, recordings: ReadonlyMap<string, string>): RuleBuilder {
  const expr = inlineRecorded(rule.expr, recordings);
  const ds = { type: 'prometheus', uid: site.grafana.datasourceUid };
  return new RuleBuilder(rule.alert)
    .uid(uidOf(rule.alert))
    .ruleGroup(group.name)
    .folderUID(site.grafana.folder)
    .orgID(site.grafana.orgId)
    .condition('B')
    .queries([
      new QueryBuilder('A')
        .datasourceUid(site.grafana.datasourceUid)
        .relativeTimeRange({ from: lookbackSeconds(expr), to: 0 })
        .model(new DataqueryBuilder().expr(expr).instant().refId('A').datasource(ds)),
      new QueryBuilder('B').datasourceUid('__expr__').model(new TypeMathBuilder().expression('is_number($A) || is_nan($A) || is_inf($A)').refId('B')),
    ])
    .forDuration(rule.for)
    .noDataState('OK')
    .execErrState('Error')
    .labels({ ...rule.labels })
    .annotations(Object.fromEntries(Object.entries(rule.annotations).map(([k, v]) => [k, grafanaTemplate(v)])));
}

/** The rule groups as the Grafana HTTP API shapes them (Foundation SDK). */
export function grafanaRuleGroups(groups: readonly RuleGroup[]): GrafanaRuleGroup[] {
  const recordings = new Map(groups.flatMap((g) => g.rules.flatMap((r) => (isAlert(r) ? [] : [[r.record, r.expr] as const]))));
  return groups.map((g) =>
    new RuleGroupBuilder(g.name)
      .interval(seconds(g.interval))
      .folderUid(site.grafana.folder)
      .rules(g.rules.filter(isAlert).map((r) => grafanaRule(r, g, recordings)))
      .build(),
  );
}

/** HTTP-API shape → provisioning file shape (what Grafana reads from provisioning/alerting/). */
function provisioned(rule: GrafanaRule): Record<string, unknown> {
  return {
    uid: rule.uid,
    title: rule.title,
    condition: rule.condition,
    data: rule.data,
    noDataState: rule.noDataState,
    execErrState: rule.execErrState,
    for: rule.for,
    labels: rule.labels,
    annotations: rule.annotations,
    isPaused: false,
  };
}

export function grafanaAlertProvisioning(groups: readonly RuleGroup[]): string {
  const file = {
    apiVersion: 1,
    groups: grafanaRuleGroups(groups).map((g) => ({
      orgId: site.grafana.orgId,
      name: g.title,
      folder: site.grafana.folder,
      interval: `${g.interval ?? 60}s`,
      rules: (g.rules ?? []).map(provisioned),
    })),
  };
  // the SDK's objects carry methods (a dataquery's toJSON); keep only the data
  return HEADER + stringify(JSON.parse(JSON.stringify(file)), { lineWidth: 0 });
}
