import { fireEvent, screen } from '@testing-library/react';
import { installFakeGrafana, renderPage } from '../../testing/fakeGrafana';
import { api } from '../../testing/fixtures';
import { paths } from '../../paths';

describe('Search', () => {
  it('opens the transaction a pasted tx ID names, in whatever channel holds it', async () => {
    installFakeGrafana();
    const tx = api('transaction-search').body;
    renderPage(paths.search());
    expect(await screen.findByText('Search the ledger')).toBeInTheDocument();
    fireEvent.change(screen.getByLabelText('Transaction ID or block number'), {
      target: { value: `  ${tx.txId.toUpperCase()} ` },
    });
    fireEvent.click(screen.getByRole('button', { name: /Search/ }));
    // redirected to the transaction page, which loads it from the channel
    expect(await screen.findByText('VALID (0)')).toBeInTheDocument();
  });

  it('opens a block by number', async () => {
    installFakeGrafana();
    const genesis = api('block-genesis').body;
    renderPage(paths.search('0'));
    expect(await screen.findByText(genesis.headerHash)).toBeInTheDocument();
  });

  it('says what is wrong with what was typed', async () => {
    installFakeGrafana();
    renderPage(paths.search('abc123'));
    expect(await screen.findByText(/a transaction ID has 64 hex characters; this has 6/)).toBeInTheDocument();
  });

  it('says an unknown tx ID is unknown', async () => {
    installFakeGrafana();
    renderPage(paths.search(api('transaction-unknown').url.split('/').pop()));
    expect(await screen.findByText('No such transaction')).toBeInTheDocument();
  });

  it('shows loading, then an unreachable exporter', async () => {
    installFakeGrafana({ hang: true });
    const r = renderPage(paths.search('5'));
    expect(await screen.findByText('Loading the block…')).toBeInTheDocument();
    r.unmount();
    installFakeGrafana({ apiDown: true });
    renderPage(paths.search('5'));
    expect(await screen.findByText('Cannot reach the Mictract exporter')).toBeInTheDocument();
  });
});
