import { screen, within } from '@testing-library/react';
import { installFakeGrafana, renderPage } from '../../testing/fakeGrafana';
import { api } from '../../testing/fixtures';
import { paths } from '../../paths';

describe('BlockDetail', () => {
  it('shows the header hashes, the verified mark and every transaction with its validation code', async () => {
    installFakeGrafana();
    const block = api('block').body;
    renderPage(paths.block('mychannel', block.number));
    expect(await screen.findByText(block.headerHash)).toBeInTheDocument();
    expect(screen.getByText(block.previousHash)).toBeInTheDocument();
    expect(screen.getByText(block.dataHash)).toBeInTheDocument();
    expect(screen.getByText('verified')).toBeInTheDocument();
    const rows = within(screen.getByRole('table', { name: 'Transactions' }))
      .getAllByRole('row')
      .slice(1);
    expect(rows).toHaveLength(block.transactions.length);
    const tx = block.transactions[0];
    expect(within(rows[0]!).getByRole('link')).toHaveAttribute('href', paths.transaction('mychannel', tx.txId));
    expect(within(rows[0]!).getByText(tx.validationCode)).toBeInTheDocument();
    expect(screen.getByRole('link', { name: `Block ${block.number - 1}` })).toHaveAttribute(
      'href',
      paths.block('mychannel', block.number - 1)
    );
  });

  it('shows the genesis block: a config transaction, previous hash not checked', async () => {
    installFakeGrafana();
    const genesis = api('block-genesis').body;
    renderPage(paths.block('mychannel', 0));
    expect(await screen.findByText(genesis.headerHash)).toBeInTheDocument();
    expect(screen.getByText('CONFIG')).toBeInTheDocument();
    expect(
      screen.getByText(genesis.verification.previousChecked ? 'verified' : 'data hash verified')
    ).toBeInTheDocument();
  });

  it('says the block does not exist (yet)', async () => {
    installFakeGrafana();
    const unknown = api('block-unknown');
    const n = Number(unknown.url.split('/').pop());
    renderPage(paths.block('mychannel', n));
    expect(await screen.findByText('No such block')).toBeInTheDocument();
    expect(screen.getByText((t) => t.includes(unknown.body.error))).toBeInTheDocument();
  });

  it('rejects a block number that is not one without asking the exporter', async () => {
    const fake = installFakeGrafana();
    renderPage('/a/mictract-app/channels/mychannel/blocks/abc');
    expect(await screen.findByText(/abc is not a block number/)).toBeInTheDocument();
    expect(fake.requests).toHaveLength(0);
  });

  it('shows loading, then the unreachable exporter', async () => {
    installFakeGrafana({ hang: true });
    const { unmount } = renderPage(paths.block('mychannel', 1));
    expect(await screen.findByText('Loading block 1…')).toBeInTheDocument();
    unmount();
    installFakeGrafana({ apiDown: true });
    renderPage(paths.block('mychannel', 1));
    expect(await screen.findByText('Cannot reach the Mictract exporter')).toBeInTheDocument();
  });
});
