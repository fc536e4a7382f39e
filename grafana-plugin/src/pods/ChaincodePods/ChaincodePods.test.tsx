import { screen, within } from '@testing-library/react';
import { installFakeGrafana, renderPage, SETTINGS } from '../../testing/fakeGrafana';
import { api, prom } from '../../testing/fixtures';
import { paths } from '../../paths';
import { formatRate } from '../../format';

describe('ChaincodePods', () => {
  it('shows every recorded pod with phase and its sidecar metrics, with trace and dashboard links', async () => {
    installFakeGrafana();
    const pods = api('pods').body.pods;
    renderPage(paths.pods());
    const rows = within(await screen.findByRole('table', { name: 'Chaincode pods' }))
      .getAllByRole('row')
      .slice(1);
    expect(rows).toHaveLength(pods.length);
    // a pod that served invocations in the recorded minute
    const inv = prom('pods-all-invocationsPerSecond').body.data.result.find((s: any) => Number(s.value[1]) > 0);
    const name = inv.metric.pod;
    const row = rows.find((r) => within(r).queryByText(name))!;
    expect(within(row).getByText('Running')).toBeInTheDocument();
    expect(within(row).getByText(formatRate(Number(inv.value[1])))).toBeInTheDocument();
    const traces = within(row).getByRole('link', { name: /Traces/ });
    const panes = JSON.parse(new URL(traces.getAttribute('href')!, 'http://g').searchParams.get('panes')!);
    expect(panes.t.queries[0]).toMatchObject({
      queryType: 'search',
      service: 'mictract-sidecar',
      tags: `k8s.pod.name=${name}`,
    });
    expect(within(row).getByRole('link', { name: /Dashboard/ })).toHaveAttribute(
      'href',
      paths.chaincodeDashboard('marbles', name)
    );
  });

  it('filtered from a transaction, shows only the pods of the orgs that endorsed it', async () => {
    installFakeGrafana();
    const tx = api('transaction').body;
    const org = tx.endorsers[0].mspId;
    renderPage(paths.pods({ chaincode: 'marbles', channel: 'mychannel', orgs: [org], tx: tx.txId }));
    const rows = within(await screen.findByRole('table', { name: 'Chaincode pods' }))
      .getAllByRole('row')
      .slice(1);
    const expected = api('pods').body.pods.filter((p: any) => p.org === org);
    expect(rows).toHaveLength(expected.length);
    expect(screen.getByRole('link', { name: new RegExp(tx.txId.slice(0, 12)) })).toHaveAttribute(
      'href',
      paths.transaction('mychannel', tx.txId)
    );
  });

  it('without Prometheus lists the exporter’s pods and says what to choose', async () => {
    installFakeGrafana();
    renderPage(paths.pods(), { ...SETTINGS, prometheusUid: undefined });
    expect(await screen.findByText('Choose a Prometheus data source on the configuration page')).toBeInTheDocument();
    expect(screen.getByRole('table', { name: 'Chaincode pods' })).toBeInTheDocument();
  });

  it('with the exporter down, still shows the pods Prometheus scrapes', async () => {
    installFakeGrafana({ apiDown: true });
    renderPage(paths.pods());
    expect(await screen.findByText('Phases from Prometheus only')).toBeInTheDocument();
    const targets = prom('pods-all-targets').body.data.result;
    expect(
      within(screen.getByRole('table', { name: 'Chaincode pods' }))
        .getAllByRole('row')
        .slice(1)
    ).toHaveLength(targets.length);
  });

  it('says when no pod is known, and shows loading', async () => {
    installFakeGrafana({ hang: true });
    const r = renderPage(paths.pods());
    expect(await screen.findByText('Loading chaincode pods…')).toBeInTheDocument();
    r.unmount();
    installFakeGrafana();
    renderPage(paths.pods({ chaincode: 'marbles', channel: 'mychannel', pods: ['no-such-pod'] }));
    expect(await screen.findByText('No chaincode pods found')).toBeInTheDocument();
  });
});
