import { fireEvent, screen, within } from '@testing-library/react';
import { installFakeGrafana, renderPage } from '../../testing/fakeGrafana';
import { api } from '../../testing/fixtures';
import { paths } from '../../paths';

describe('KeyHistory', () => {
  it('lists the recorded writes of a key, newest first, linking to their transactions', async () => {
    installFakeGrafana();
    const h = api('key-history').body;
    renderPage(paths.keyHistory('mychannel', 'marbles', h.key));
    const table = await screen.findByRole('table', { name: 'Key history' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(h.writes.length);
    expect(within(rows[0]!).getByRole('link', { name: new RegExp(h.writes[0].txId.slice(0, 16)) })).toHaveAttribute(
      'href',
      paths.transaction('mychannel', h.writes[0].txId)
    );
    expect(screen.getByText(new RegExp(`since block ${h.indexedFrom}`))).toBeInTheDocument();
  });

  it('asks for a key first, then goes to the shareable URL of the one typed', async () => {
    installFakeGrafana();
    const h = api('key-history').body;
    renderPage(paths.keyHistory('mychannel'));
    expect(await screen.findByText('Choose a key')).toBeInTheDocument();
    fireEvent.change(screen.getByLabelText('Key'), { target: { value: h.key } });
    fireEvent.click(screen.getByRole('button', { name: /Show history/ }));
    expect(await screen.findByRole('table', { name: 'Key history' })).toBeInTheDocument();
  });

  it('says a key with no writes seen is unknown, quoting the exporter', async () => {
    installFakeGrafana();
    const empty = api('key-history-empty');
    renderPage(paths.keyHistory('mychannel', 'marbles', 'no-such-marble'));
    expect(await screen.findByText('No such key')).toBeInTheDocument();
    expect(screen.getByText(/no writes of key "no-such-marble"/)).toBeInTheDocument();
    expect(empty.status).toBe(404);
  });

  it('shows loading and an unreachable exporter', async () => {
    installFakeGrafana({ hang: true });
    const r = renderPage(paths.keyHistory('mychannel', 'marbles', 'x'));
    expect(await screen.findByText("Loading the key's history…")).toBeInTheDocument();
    r.unmount();
    installFakeGrafana({ apiDown: true });
    renderPage(paths.keyHistory('mychannel', 'marbles', 'x'));
    expect(await screen.findByText('Cannot reach the Mictract exporter')).toBeInTheDocument();
  });
});
