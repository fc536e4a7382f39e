import React from 'react';
import { fireEvent, render, screen } from '@testing-library/react';
import type { AppPluginMeta, PluginConfigPageProps } from '@grafana/data';
import { installFakeGrafana } from '../../testing/fakeGrafana';
import { api } from '../../testing/fixtures';
import type { MictractSettings } from '../../settings';
import { testIds } from '../testIds';
import AppConfig from './AppConfig';

function props(jsonData: MictractSettings): PluginConfigPageProps<AppPluginMeta<MictractSettings>> {
  return { plugin: { meta: { id: 'mictract-app', enabled: true, pinned: true, jsonData } } } as any;
}

describe('AppConfig', () => {
  it('saves the settings and reports each dependency as working', async () => {
    const fake = installFakeGrafana();
    render(
      <AppConfig {...props({ apiUrl: 'http://127.0.0.1:9464/api/v1', prometheusUid: 'prom', tracesUid: 'traces' })} />
    );
    fireEvent.click(screen.getByTestId(testIds.appConfig.submit));
    const ch = api('channels').body.channels[0];
    expect(await screen.findByText(`Connected: ${ch.name} (height ${ch.height}).`)).toBeInTheDocument();
    expect(screen.getByText(/Prometheus scrapes the exporter and \d+ chaincode pods/)).toBeInTheDocument();
    expect(screen.getByText('Jaeger (jaeger) is healthy.')).toBeInTheDocument();
    const save = fake.requests.find((r) => r.method === 'POST')!;
    expect(save.url).toBe('api/plugins/mictract-app/settings');
    expect(save.data.jsonData).toEqual({
      apiUrl: 'http://127.0.0.1:9464/api/v1',
      prometheusUid: 'prom',
      tracesUid: 'traces',
    });
  });

  it('says exactly what is wrong: the exporter is unreachable, no data sources chosen', async () => {
    installFakeGrafana({ apiDown: true });
    render(<AppConfig {...props({ apiUrl: 'http://127.0.0.1:9464/api/v1' })} />);
    fireEvent.click(screen.getByTestId(testIds.appConfig.submit));
    expect(
      await screen.findByText(
        /Grafana cannot connect to http:\/\/127.0.0.1:9464\/api\/v1 \(dial tcp 127.0.0.1:9464: connect: connection refused\)/
      )
    ).toBeInTheDocument();
    expect(screen.getByText(/No Prometheus data source chosen/)).toBeInTheDocument();
    expect(screen.getByText(/No traces data source chosen/)).toBeInTheDocument();
  });

  it('flags a URL that is not the ledger API as it is typed', async () => {
    installFakeGrafana();
    render(<AppConfig {...props({})} />);
    fireEvent.change(screen.getByTestId(testIds.appConfig.apiUrl), { target: { value: 'http://exporter:9464' } });
    expect(screen.getByText(/must end in \/api\/v1.*try http:\/\/exporter:9464\/api\/v1/)).toBeInTheDocument();
  });

  it('says when Prometheus does not scrape the exporter', async () => {
    installFakeGrafana({
      answers: {
        'count(mictract_ledger_height)': {
          url: '',
          status: 200,
          body: { status: 'success', data: { resultType: 'vector', result: [] } },
        },
      },
    });
    render(<AppConfig {...props({ apiUrl: 'http://127.0.0.1:9464/api/v1', prometheusUid: 'prom' })} />);
    fireEvent.click(screen.getByTestId(testIds.appConfig.submit));
    expect(
      await screen.findByText(/has no mictract_ledger_height: it does not scrape mictract-exporter/)
    ).toBeInTheDocument();
  });
});
