import { screen, within } from '@testing-library/react';
import { installFakeGrafana, renderPage } from '../../testing/fakeGrafana';
import { api } from '../../testing/fixtures';
import { paths } from '../../paths';
import { parseBefore } from './BlockList';

describe('BlockList', () => {
  it('shows a page of recorded blocks, newest first, each linking to its detail, and a link to the older page', async () => {
    installFakeGrafana();
    const page = api('blocks').body;
    renderPage(paths.blocks('mychannel'));
    const table = await screen.findByRole('table', { name: 'Blocks' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(page.blocks.length);
    const first = page.blocks[0];
    expect(within(rows[0]!).getByRole('link', { name: String(first.number) })).toHaveAttribute(
      'href',
      paths.block('mychannel', first.number)
    );
    expect(within(rows[0]!).getByText('verified')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: /Older/ })).toHaveAttribute('href', paths.blocks('mychannel', page.next));
    expect(screen.getByText(new RegExp(`Height ${page.height}`))).toBeInTheDocument();
  });

  it('pages with ?before= and offers the way back to the newest', async () => {
    installFakeGrafana();
    const page2 = api('blocks-page2').body;
    renderPage(paths.blocks('mychannel', api('blocks').body.next));
    await screen.findByRole('table', { name: 'Blocks' });
    expect(screen.getByRole('link', { name: String(page2.blocks[0].number) })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: /Newest/ })).toHaveAttribute('href', paths.blocks('mychannel'));
  });

  it('on the last page shows the genesis block and no older link', async () => {
    installFakeGrafana();
    renderPage(paths.blocks('mychannel', 1));
    await screen.findByRole('table', { name: 'Blocks' });
    expect(screen.getByRole('link', { name: '0' })).toBeInTheDocument();
    expect(screen.queryByRole('link', { name: /Older/ })).not.toBeInTheDocument();
  });

  it('says which channel is unknown', async () => {
    installFakeGrafana();
    renderPage(paths.blocks('nosuchchannel'));
    expect(await screen.findByText('No such blocks')).toBeInTheDocument();
    expect(screen.getByText((t) => t.includes(api('channel-unknown').body.error))).toBeInTheDocument();
  });

  it('says the exporter is unreachable and links to the configuration', async () => {
    installFakeGrafana({ apiDown: true });
    renderPage(paths.blocks('mychannel'));
    expect(await screen.findByText('Cannot reach the Mictract exporter')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: /Open configuration/ })).toBeInTheDocument();
  });

  it('shows loading while the exporter answers', async () => {
    installFakeGrafana({ hang: true });
    renderPage(paths.blocks('mychannel'));
    expect(await screen.findByText('Loading blocks…')).toBeInTheDocument();
  });

  it('parses before strictly', () => {
    expect(parseBefore('12')).toBe(12);
    expect(parseBefore(null)).toBeUndefined();
    expect(parseBefore('-1')).toBeUndefined();
    expect(parseBefore('1e3')).toBeUndefined();
  });
});
