import { screen } from '@testing-library/react';
import { installFakeGrafana, renderPage, SETTINGS } from '../../testing/fakeGrafana';
import { api } from '../../testing/fixtures';
import { paths } from '../../paths';
import { explainValidationCode } from '../validationCodes';
import { servingOrgs } from './TransactionDetail';

describe('TransactionDetail', () => {
  it('shows a valid transaction: code explained, creator, args, endorsers, rw-set; trace and pod links', async () => {
    installFakeGrafana();
    const tx = api('transaction').body;
    renderPage(paths.transaction('mychannel', tx.txId));
    expect(await screen.findByText('VALID (0)')).toBeInTheDocument();
    expect(screen.getByText(explainValidationCode('VALID'))).toBeInTheDocument();
    expect(screen.getByText(tx.txId)).toBeInTheDocument();
    expect(screen.getByText(tx.txId.slice(0, 32))).toBeInTheDocument();
    expect(screen.getByText('transferMarble')).toBeInTheDocument();
    for (const arg of tx.args) {
      expect(screen.getAllByText(arg).length).toBeGreaterThan(0);
    }
    for (const e of tx.endorsers) {
      expect(screen.getAllByText(new RegExp(`^${e.mspId}`)).length).toBeGreaterThan(0);
    }
    const written = tx.rwsets.find((r: any) => r.namespace === 'marbles').writes[0];
    expect(screen.getAllByRole('link', { name: written.key })[0]).toHaveAttribute(
      'href',
      paths.keyHistory('mychannel', 'marbles', written.key)
    );

    const trace = screen.getByRole('link', { name: /Open trace/ });
    const panes = JSON.parse(new URL(trace.getAttribute('href')!, 'http://g').searchParams.get('panes')!);
    expect(panes.t.datasource).toBe('traces');
    expect(panes.t.queries[0]).toEqual({
      refId: 'A',
      datasource: { type: 'jaeger', uid: 'traces' },
      query: tx.txId.slice(0, 32),
    });

    expect(screen.getByRole('link', { name: /Chaincode pods/ })).toHaveAttribute(
      'href',
      paths.pods({ chaincode: 'marbles', channel: 'mychannel', orgs: servingOrgs(tx), tx: tx.txId })
    );
  });

  it('explains an MVCC read conflict and what to do', async () => {
    installFakeGrafana();
    const tx = api('transaction-conflict').body;
    renderPage(paths.transaction('mychannel', tx.txId));
    expect(await screen.findByText(`MVCC_READ_CONFLICT (${tx.validationCodeNumber})`)).toBeInTheDocument();
    expect(screen.getByText(/Retry it; if it happens often, see the top conflicting keys/)).toBeInTheDocument();
  });

  it('finds a transaction in every channel (/transactions/:txId)', async () => {
    installFakeGrafana();
    const tx = api('transaction-search').body;
    renderPage(`/a/mictract-app/transactions/${tx.txId}`);
    expect(await screen.findByText('VALID (0)')).toBeInTheDocument();
  });

  it('without a traces data source, "open trace" leads to the configuration', async () => {
    installFakeGrafana();
    const tx = api('transaction').body;
    renderPage(paths.transaction('mychannel', tx.txId), { ...SETTINGS, tracesUid: undefined });
    expect(await screen.findByRole('link', { name: /choose a traces data source/ })).toHaveAttribute(
      'href',
      paths.config()
    );
  });

  it('says an unknown transaction is unknown', async () => {
    installFakeGrafana();
    const unknown = api('transaction-unknown');
    renderPage(`/a/mictract-app/transactions/${unknown.url.split('/').pop()}`);
    expect(await screen.findByText('No such transaction')).toBeInTheDocument();
    expect(screen.getByText((t) => t.includes(unknown.body.error))).toBeInTheDocument();
  });

  it('rejects a malformed ID, and shows loading and unreachable states', async () => {
    installFakeGrafana();
    const r = renderPage('/a/mictract-app/transactions/xyz');
    expect(await screen.findByText(/64 lower-case hex/)).toBeInTheDocument();
    r.unmount();
    installFakeGrafana({ hang: true });
    const tx = api('transaction').body;
    const r2 = renderPage(paths.transaction('mychannel', tx.txId));
    expect(await screen.findByText('Loading the transaction…')).toBeInTheDocument();
    r2.unmount();
    installFakeGrafana({ apiDown: true });
    renderPage(paths.transaction('mychannel', tx.txId));
    expect(await screen.findByText('Cannot reach the Mictract exporter')).toBeInTheDocument();
  });
});
