import { isTxId, traceIdOf } from './traceIdentity';
import { podTracesExploreUrl, rangeAround, traceExploreUrl } from './exploreLinks';

const panes = (url: string) => JSON.parse(new URL(url, 'http://grafana').searchParams.get('panes')!);

describe('trace identity', () => {
  it('is the tx ID’s first 32 hex characters, lower case; an all-zero slice ends in 1', () => {
    const tx = '0123456789abcdef'.repeat(4);
    expect(traceIdOf(tx)).toBe('0123456789abcdef0123456789abcdef');
    expect(traceIdOf(tx.toUpperCase())).toBe('0123456789abcdef0123456789abcdef');
    expect(traceIdOf('0'.repeat(32) + 'f'.repeat(32))).toBe(`${'0'.repeat(31)}1`);
    expect(() => traceIdOf('xyz')).toThrow(/64 hex/);
    expect(isTxId('A'.repeat(64))).toBe(false);
  });
});

describe('Explore links', () => {
  it('opens a trace on Tempo with TraceQL and on Jaeger by trace ID', () => {
    const tempo = panes(traceExploreUrl({ uid: 't', type: 'tempo' }, 'abc'));
    expect(tempo.t).toEqual({
      datasource: 't',
      range: { from: 'now-1h', to: 'now' },
      queries: [{ refId: 'A', datasource: { type: 'tempo', uid: 't' }, queryType: 'traceql', query: 'abc' }],
    });
    expect(new URL(traceExploreUrl({ uid: 't', type: 'tempo' }, 'abc'), 'http://g').pathname).toBe('/explore');
    const jaeger = panes(traceExploreUrl({ uid: 'j', type: 'jaeger' }, 'abc'));
    expect(jaeger.t.queries[0]).toEqual({ refId: 'A', datasource: { type: 'jaeger', uid: 'j' }, query: 'abc' });
  });

  it('searches a pod’s sidecar spans', () => {
    expect(panes(podTracesExploreUrl({ uid: 't', type: 'tempo' }, 'marbles-0')).t.queries[0].query).toBe(
      '{resource.service.name="mictract-sidecar" && resource.k8s.pod.name="marbles-0"}'
    );
    expect(panes(podTracesExploreUrl({ uid: 'j', type: 'jaeger' }, 'marbles-0')).t.queries[0]).toMatchObject({
      queryType: 'search',
      service: 'mictract-sidecar',
      tags: 'k8s.pod.name=marbles-0',
    });
  });

  it('centres the range on the transaction time', () => {
    expect(rangeAround('2026-01-01T00:00:00.000Z')).toEqual({
      from: String(Date.UTC(2026, 0, 1) - 900000),
      to: String(Date.UTC(2026, 0, 1) + 900000),
    });
    expect(rangeAround(null)).toEqual({ from: 'now-1h', to: 'now' });
  });
});
