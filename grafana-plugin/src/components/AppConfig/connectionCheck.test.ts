import { checkLedgerApi, checkPrometheus, checkTraces, validateApiUrl, type CheckDeps } from './connectionCheck';
import { api, prom } from '../../testing/fixtures';

const deps = (over: Partial<CheckDeps> = {}): CheckDeps => ({
  channels: async () => api('channels').body,
  promQuery: async (_uid, expr) => {
    const name = expr.startsWith('count(mictract_ledger_height)') ? 'check-exporter' : 'check-sidecars';
    return prom(name).body.data.result;
  },
  dataSource: (uid) =>
    ({
      prom: { type: 'prometheus', name: 'Prometheus' },
      traces: { type: 'tempo', name: 'Tempo' },
      loki: { type: 'loki', name: 'Loki' },
    })[uid],
  health: async () => ({ status: 'OK', message: 'ok' }),
  ...over,
});

describe('test connection', () => {
  it('validates the URL before asking', () => {
    expect(validateApiUrl('')).toMatch(/Set the ledger API URL/);
    expect(validateApiUrl('exporter:9464')).toMatch(/http:\/\/ or https:\/\//);
    expect(validateApiUrl('http://e:9464/')).toMatch(/must end in \/api\/v1 .*; try http:\/\/e:9464\/api\/v1/);
    expect(validateApiUrl('http://e:9464/api/v1')).toBeUndefined();
  });

  it('reports the channels of a working ledger API', async () => {
    const r = await checkLedgerApi({ apiUrl: 'http://e:9464/api/v1' }, deps());
    expect(r.status).toBe('ok');
    expect(r.message).toMatch(/^Connected: mychannel \(height \d+\)\.$/);
  });

  it('says the exporter is unreachable, or that the URL is something else', async () => {
    const down = await checkLedgerApi(
      { apiUrl: 'http://e:9464/api/v1' },
      deps({ channels: () => Promise.reject({ status: 502, data: { message: 'connection refused' } }) })
    );
    expect(down).toMatchObject({ status: 'error' });
    expect(down.message).toMatch(/Grafana cannot connect to http:\/\/e:9464\/api\/v1 \(connection refused\)/);
    const other = await checkLedgerApi(
      { apiUrl: 'http://e:9464/api/v1' },
      deps({ channels: () => Promise.reject({ status: 404, data: '404 page not found' }) })
    );
    expect(other.message).toMatch(/is not the exporter's ledger API/);
  });

  it('checks that Prometheus scrapes the exporter and the sidecars', async () => {
    expect(await checkPrometheus({ prometheusUid: 'prom' }, deps())).toMatchObject({ status: 'ok' });
    expect(await checkPrometheus({}, deps())).toMatchObject({ status: 'warning' });
    expect((await checkPrometheus({ prometheusUid: 'loki' }, deps())).message).toBe(
      'Loki is a loki data source; choose a Prometheus one.'
    );
    expect((await checkPrometheus({ prometheusUid: 'gone' }, deps())).message).toMatch(/no longer exists/);
    const noSidecars = await checkPrometheus(
      { prometheusUid: 'prom' },
      deps({ promQuery: async (_u, e) => (e.includes('ledger') ? prom('check-exporter').body.data.result : []) })
    );
    expect(noSidecars).toMatchObject({ status: 'warning' });
  });

  it('checks the traces data source type and health', async () => {
    expect(await checkTraces({ tracesUid: 'traces' }, deps())).toMatchObject({
      status: 'ok',
      message: 'Tempo (tempo) is healthy.',
    });
    expect((await checkTraces({ tracesUid: 'prom' }, deps())).message).toBe(
      'Prometheus is a prometheus data source; choose Tempo or Jaeger.'
    );
    expect(
      (
        await checkTraces(
          { tracesUid: 'traces' },
          deps({ health: async () => ({ status: 'ERROR', message: 'no backend' }) })
        )
      ).message
    ).toBe('Tempo fails its health check: no backend');
  });
});
