import { readFileSync } from 'node:fs';
import path from 'node:path';
import { dashboards } from './generate';
import { FABRIC_METRICS, PROMETHEUS_SERIES, familyOf, metricNamesIn } from './metricnames';
import { panelQueries, ruleExpressions, variableSeries } from './promexpressions';
import { ruleGroups } from './rules';
import { production, test as testProfile } from './thresholds';

// Dashboards and rules use only names in the metrics reference (exporter/docs/metrics.md) or
// Fabric's own operations metrics (metricnames.ts, listed in the README too).

const REFERENCE = path.resolve(__dirname, '../../exporter/docs/metrics.md');
const README = path.resolve(__dirname, '../README.md');

function usedNames(): Map<string, string[]> {
  const where = new Map<string, string[]>();
  const add = (expr: string, place: string) => {
    for (const n of metricNamesIn(expr)) where.set(familyOf(n), [...(where.get(familyOf(n)) ?? []), place]);
  };
  for (const [name, d] of Object.entries(dashboards())) {
    for (const q of panelQueries(name, d)) add(q.expr, `${name} / ${q.panel}`);
    for (const v of variableSeries(d)) add(v.series, `${name} / variable ${v.name}`);
  }
  for (const t of [production, testProfile]) for (const r of ruleExpressions(ruleGroups(t))) add(r.expr, `${r.group} / ${r.name}`);
  return where;
}

test('metricNamesIn finds the names and skips labels, functions, ranges and recorded series', () => {
  expect(metricNamesIn('histogram_quantile(0.95, sum by (function, le) (rate(foo_bucket{job="x",channel=~"$channel"}[$__rate_interval]))) / on (channel) group_left (org) bar or mictract:x:y > 3')).toEqual(['bar', 'foo_bucket']);
  expect(metricNamesIn('up{job="a"} == 0 and time() - baz offset 5m')).toEqual(['baz', 'up']);
});

test('every metric used is in the metrics reference or is one of Fabric\'s own', () => {
  const reference = readFileSync(REFERENCE, 'utf8');
  const documented = (name: string) => reference.includes(`\`${name}\``);
  const used = usedNames();
  const missing = [...used].filter(([name]) => !documented(name) && !(name in FABRIC_METRICS) && !(PROMETHEUS_SERIES as readonly string[]).includes(name));
  if (missing.length) throw new Error(`not in exporter/docs/metrics.md nor Fabric's metrics (metricnames.ts):\n${missing.map(([n, w]) => `  ${n} (${w[0]})`).join('\n')}`);
  expect(used.size).toBeGreaterThan(30);
});

test('the README lists every metric used', () => {
  const readme = readFileSync(README, 'utf8');
  const unlisted = [...usedNames().keys()].filter((n) => !readme.includes(`\`${n}\``));
  expect(unlisted).toEqual([]);
});

test('every Fabric metric listed is used (the list is not a wish list)', () => {
  const used = usedNames();
  expect(Object.keys(FABRIC_METRICS).filter((n) => !used.has(n))).toEqual([]);
});
