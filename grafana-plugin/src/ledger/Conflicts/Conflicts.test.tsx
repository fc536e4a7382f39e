import { screen, within } from '@testing-library/react';
import { installFakeGrafana, renderPage } from '../../testing/fakeGrafana';
import { api } from '../../testing/fixtures';
import { paths } from '../../paths';

describe('Conflicts', () => {
  it('ranks the recorded conflicting keys, each linking to its history', async () => {
    installFakeGrafana();
    const c = api('conflicts').body;
    renderPage(paths.conflicts('mychannel'));
    const rows = within(await screen.findByRole('table', { name: 'Conflicting keys' }))
      .getAllByRole('row')
      .slice(1);
    expect(rows).toHaveLength(c.conflicts.length);
    const top = c.conflicts[0];
    expect(within(rows[0]!).getByRole('link', { name: top.key })).toHaveAttribute(
      'href',
      paths.keyHistory('mychannel', top.chaincode, top.key)
    );
    expect(within(rows[0]!).getByText(String(top.conflicts))).toBeInTheDocument();
  });

  it('says when there is no conflict', async () => {
    installFakeGrafana({
      answers: {
        '/api/v1/channels/mychannel/conflicts?limit=50': {
          ...api('conflicts'),
          body: { ...api('conflicts').body, conflicts: [] },
        },
      },
    });
    renderPage(paths.conflicts('mychannel'));
    expect(await screen.findByText('No read conflicts')).toBeInTheDocument();
  });

  it('shows loading and an unreachable exporter', async () => {
    installFakeGrafana({ hang: true });
    const r = renderPage(paths.conflicts('mychannel'));
    expect(await screen.findByText('Loading conflicting keys…')).toBeInTheDocument();
    r.unmount();
    installFakeGrafana({ apiDown: true });
    renderPage(paths.conflicts('mychannel'));
    expect(await screen.findByText('Cannot reach the Mictract exporter')).toBeInTheDocument();
  });
});
