import React from 'react';
import { fireEvent, render, screen } from '@testing-library/react';
import type { AppPluginMeta, PluginConfigPageProps } from '@grafana/data';
import { installFakeGrafana } from '../../testing/fakeGrafana';
import { api } from '../../testing/fixtures';
import type { MictractSettings } from '../../settings';
import { testIds } from '../testIds';
import AppConfig, { PROFILE_TOKEN_TESTID } from './AppConfig';

function props(
  jsonData: MictractSettings,
  secureJsonFields: Record<string, boolean> = {}
): PluginConfigPageProps<AppPluginMeta<MictractSettings>> {
  return { plugin: { meta: { id: 'mictract-app', enabled: true, pinned: true, jsonData, secureJsonFields } } } as any;
}

const SETTINGS: MictractSettings = {
  apiUrl: 'http://127.0.0.1:9464/api/v1',
  prometheusUid: 'prom',
  tracesUid: 'traces',
};
const tokenInput = () => screen.getByTestId(PROFILE_TOKEN_TESTID) as HTMLInputElement;
const saves = (fake: { requests: Array<{ method?: string; data?: any }> }) =>
  fake.requests.filter((r) => r.method === 'POST').map((r) => r.data);
async function saveAndWait() {
  fireEvent.click(screen.getByTestId(testIds.appConfig.submit));
  await screen.findByText(/Connected: /);
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

  describe('profile token (a secure setting: written, never read back)', () => {
    it('sends a token typed for the first time in secureJsonData, then shows it as configured', async () => {
      const fake = installFakeGrafana();
      render(<AppConfig {...props(SETTINGS)} />);
      expect(tokenInput()).toHaveAttribute('type', 'password');
      expect(tokenInput()).toHaveValue('');
      expect(tokenInput()).not.toBeDisabled();
      fireEvent.change(tokenInput(), { target: { value: ' 3f9a-token ' } });
      await saveAndWait();
      expect(saves(fake)).toEqual([
        { enabled: true, pinned: true, jsonData: SETTINGS, secureJsonData: { profileToken: '3f9a-token' } },
      ]);
      // Grafana's configured state: the value is gone from the page, the field disabled, a Reset button beside it
      expect(tokenInput()).toHaveValue('configured');
      expect(tokenInput()).toBeDisabled();
      expect(screen.getByRole('button', { name: 'Reset' })).toBeInTheDocument();
      expect(screen.queryByText('Profile token')).toBeInTheDocument(); // the field's label
      expect(screen.queryByText(/No profile token/)).not.toBeInTheDocument();
    });

    it('keeps a configured token untouched: shown as configured, not sent again', async () => {
      const fake = installFakeGrafana();
      render(<AppConfig {...props(SETTINGS, { profileToken: true })} />);
      expect(tokenInput()).toHaveValue('configured');
      expect(tokenInput()).toBeDisabled();
      await saveAndWait();
      expect(saves(fake)).toHaveLength(1);
      expect(saves(fake)[0]).not.toHaveProperty('secureJsonData');
      expect(screen.queryByText(/No profile token/)).not.toBeInTheDocument();
    });

    it('Reset empties the field for a new token, which replaces the stored one', async () => {
      const fake = installFakeGrafana();
      render(<AppConfig {...props(SETTINGS, { profileToken: true })} />);
      fireEvent.click(screen.getByRole('button', { name: 'Reset' }));
      expect(tokenInput()).toHaveValue('');
      expect(tokenInput()).not.toBeDisabled();
      expect(screen.queryByRole('button', { name: 'Reset' })).not.toBeInTheDocument();
      fireEvent.change(tokenInput(), { target: { value: 'new-token' } });
      await saveAndWait();
      expect(saves(fake)[0].secureJsonData).toEqual({ profileToken: 'new-token' });
      expect(tokenInput()).toHaveValue('configured');
    });

    it('Reset and save with the field empty clears the token, and says capture is then refused', async () => {
      const fake = installFakeGrafana();
      render(<AppConfig {...props(SETTINGS, { profileToken: true })} />);
      fireEvent.click(screen.getByRole('button', { name: 'Reset' }));
      await saveAndWait();
      expect(saves(fake)[0].secureJsonData).toEqual({ profileToken: '' });
      expect(tokenInput()).toHaveValue('');
      expect(
        await screen.findByText(/No profile token: the Profile page shows profiles but cannot start a capture/)
      ).toBeInTheDocument();
    });

    it('sends nothing for a token that was never set and is left empty, and warns', async () => {
      const fake = installFakeGrafana();
      render(<AppConfig {...props(SETTINGS)} />);
      await saveAndWait();
      expect(saves(fake)[0]).not.toHaveProperty('secureJsonData');
      expect(screen.getByText(/No profile token/)).toHaveTextContent('observability/profile-token');
    });
  });
});
