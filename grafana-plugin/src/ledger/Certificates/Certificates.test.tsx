import React from 'react';
import { render, screen, within } from '@testing-library/react';
import { installFakeGrafana, renderPage } from '../../testing/fakeGrafana';
import { api } from '../../testing/fixtures';
import { paths } from '../../paths';
import type { Certificate } from '../../api/types';
import Certificates, { expiryLevel, sortByExpiry } from './Certificates';
import { MemoryRouter } from 'react-router-dom';

describe('Certificates', () => {
  it('lists the recorded certificates soonest expiry first', async () => {
    installFakeGrafana();
    const certs: Certificate[] = api('certificates').body.certificates;
    renderPage(paths.certificates());
    const rows = within(await screen.findByRole('table', { name: 'Certificates' }))
      .getAllByRole('row')
      .slice(1);
    expect(rows).toHaveLength(certs.length);
    const soonest = sortByExpiry(certs)[0]!;
    expect(within(rows[0]!).getByText(soonest.mspId)).toBeInTheDocument();
  });

  it('marks certificates by how soon they expire', async () => {
    installFakeGrafana();
    const certs: Certificate[] = api('certificates').body.certificates;
    const soonest = sortByExpiry(certs)[0]!;
    // ten days before the soonest expiry: that one is critical (the alert's 14 days)
    render(
      <MemoryRouter>
        <Certificates now={() => soonest.notAfterSeconds * 1000 - 10 * 86_400_000} />
      </MemoryRouter>
    );
    expect((await screen.findAllByText('in 10 days')).length).toBeGreaterThan(0);
    expect(expiryLevel(soonest.notAfterSeconds, soonest.notAfterSeconds * 1000 + 1)).toBe('expired');
    expect(expiryLevel(100 * 86400, 90 * 86_400_000)).toBe('critical');
    expect(expiryLevel(100 * 86400, 80 * 86_400_000)).toBe('warning');
    expect(expiryLevel(100 * 86400, 0)).toBe('ok');
  });

  it('says when none were seen, and when the exporter is down', async () => {
    installFakeGrafana({ answers: { '/api/v1/certificates': { ...api('certificates'), body: { certificates: [] } } } });
    const r = renderPage(paths.certificates());
    expect(await screen.findByText('No certificates seen yet')).toBeInTheDocument();
    r.unmount();
    installFakeGrafana({ apiDown: true });
    renderPage(paths.certificates());
    expect(await screen.findByText('Cannot reach the Mictract exporter')).toBeInTheDocument();
  });
});
