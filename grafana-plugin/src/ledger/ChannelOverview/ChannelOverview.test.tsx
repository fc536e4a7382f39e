import { screen, within } from '@testing-library/react';
import { installFakeGrafana, renderPage, SETTINGS } from '../../testing/fakeGrafana';
import { api, prom } from '../../testing/fixtures';
import { paths } from '../../paths';
import { formatRate } from '../../format';

describe('ChannelOverview', () => {
  it('shows height per peer, tx rate, validation codes and the latest blocks from the recorded answers', async () => {
    installFakeGrafana();
    renderPage(paths.overview('mychannel'));
    const peers = await screen.findByRole('table', { name: 'Height per node' });
    const heights = prom('overview-peerHeights').body.data.result;
    expect(within(peers).getAllByRole('row').slice(1)).toHaveLength(heights.length);
    expect(within(peers).getByText(heights[0].metric.instance_name)).toBeInTheDocument();

    const rate = Number(prom('overview-txRate').body.data.result[0].value[1]);
    expect(screen.getByLabelText('Transactions/s (1m)')).toHaveTextContent(formatRate(rate));

    const codes = within(screen.getByRole('table', { name: 'Validation codes' }));
    for (const c of prom('overview-validationCodes').body.data.result) {
      expect(codes.getByText(c.metric.validation_code)).toBeInTheDocument();
    }
    const latest = api('blocks-latest').body.blocks;
    const blocks = within(screen.getByRole('table', { name: 'Latest blocks' }));
    expect(blocks.getByRole('link', { name: String(latest[0].number) })).toHaveAttribute(
      'href',
      paths.block('mychannel', latest[0].number)
    );
    expect(screen.getByRole('link', { name: /All blocks/ })).toHaveAttribute('href', paths.blocks('mychannel'));
  });

  it('without a Prometheus data source still shows the ledger and says what to choose', async () => {
    installFakeGrafana();
    renderPage(paths.overview('mychannel'), { ...SETTINGS, prometheusUid: undefined });
    expect(await screen.findByText('Choose a Prometheus data source on the configuration page')).toBeInTheDocument();
    expect(await screen.findByRole('table', { name: 'Latest blocks' })).toBeInTheDocument();
  });

  it('says when Prometheus cannot be queried, and when the exporter cannot be reached', async () => {
    installFakeGrafana({ promDown: true, apiDown: true });
    renderPage(paths.overview('mychannel'));
    expect(await screen.findByText('Cannot reach the Prometheus data source')).toBeInTheDocument();
    expect(await screen.findByText('Cannot reach the Mictract exporter')).toBeInTheDocument();
  });

  it('says a new channel has no blocks yet', async () => {
    installFakeGrafana({
      answers: {
        '/api/v1/channels/mychannel/blocks?limit=10': {
          ...api('blocks-latest'),
          body: { channel: 'mychannel', height: 0, blocks: [], next: null },
        },
      },
    });
    renderPage(paths.overview('mychannel'));
    expect(await screen.findByText('No blocks yet')).toBeInTheDocument();
  });

  it('shows loading while waiting', async () => {
    installFakeGrafana({ hang: true });
    renderPage(paths.overview('mychannel'));
    expect(await screen.findByText('Loading metrics…')).toBeInTheDocument();
    expect(await screen.findByText('Loading the latest blocks…')).toBeInTheDocument();
  });
});
