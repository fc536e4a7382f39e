// prom-client writes one registry in one format, and its OpenMetrics mode renames counters in place,
// so one registry cannot serve both formats. The exporter's registry is OpenMetrics (for exemplars);
// a scraper that does not ask for it gets the classic text format (0.0.4), converted here: no
// exemplars, no `# EOF`, and a counter's HELP and TYPE name ending in _total like its samples.

export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** True when an Accept header asks for OpenMetrics (Prometheus sends it by default). */
export function wantsOpenMetrics(accept: string | undefined): boolean {
  return /application\/openmetrics-text/i.test(accept ?? '');
}

/** OpenMetrics text (as prom-client writes it) to the Prometheus text format 0.0.4. */
export function openMetricsToPrometheus(text: string): string {
  const out: string[] = [];
  const counters = new Set<string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) counter$/.exec(line);
    if (type) counters.add(type[1]!);
  }
  for (const line of text.split('\n')) {
    if (line === '# EOF' || line === '') continue;
    const meta = /^# (HELP|TYPE) (\S+)( .*)?$/.exec(line);
    if (meta) {
      const name = counters.has(meta[2]!) ? `${meta[2]}_total` : meta[2];
      if (meta[1] === 'HELP' && out.length > 0) out.push('');
      out.push(`# ${meta[1]} ${name}${meta[3] ?? ''}`);
      continue;
    }
    out.push(withoutExemplar(line));
  }
  return out.join('\n') + '\n';
}

/** A sample line without its ` # {labels} value [timestamp]` exemplar; label values may hold '#', '}' and '"'. */
function withoutExemplar(line: string): string {
  let i = line.indexOf('{');
  const space = line.indexOf(' ');
  if (i >= 0 && (space < 0 || i < space)) {
    // skip the label set, honouring quotes and backslash escapes
    let quoted = false;
    for (i++; i < line.length; i++) {
      const c = line[i];
      if (quoted && c === '\\') i++;
      else if (c === '"') quoted = !quoted;
      else if (!quoted && c === '}') break;
    }
  } else {
    i = 0;
  }
  const hash = line.indexOf(' # ', i);
  return hash < 0 ? line : line.slice(0, hash);
}
