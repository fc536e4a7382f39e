import { screen } from '@testing-library/react';
import { installFakeGrafana, renderPage } from '../../testing/fakeGrafana';
import { api } from '../../testing/fixtures';

describe('App routes', () => {
  it('opens the first channel for the nav entries that need one', async () => {
    installFakeGrafana();
    const channel = api('channels').body.channels[0].name;
    renderPage('/a/mictract-app/blocks');
    expect(await screen.findByText(`Blocks of ${channel}`)).toBeInTheDocument();
  });

  it('sends the app root to the channel overview', async () => {
    installFakeGrafana();
    renderPage('/a/mictract-app/');
    expect(await screen.findByText('Channel mychannel')).toBeInTheDocument();
  });

  it('says what to do when the exporter exports no channel, or cannot be reached', async () => {
    installFakeGrafana({ answers: { '/api/v1/channels': { ...api('channels'), body: { channels: [] } } } });
    const r = renderPage('/a/mictract-app/conflicts');
    expect(await screen.findByText('The exporter exports no channel')).toBeInTheDocument();
    r.unmount();
    installFakeGrafana({ apiDown: true });
    renderPage('/a/mictract-app/keys');
    expect(await screen.findByText('Cannot reach the Mictract exporter')).toBeInTheDocument();
  });
});
