import React from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { Badge, RadioButtonGroup, Stack } from '@grafana/ui';
import { ledgerApi } from '../../api/ledgerApi';
import { instantQuery, scalarOf, type PromSample } from '../../prometheus/promClient';
import { useLoad } from '../../components/common/useLoad';
import { useSettings } from '../../components/common/SettingsContext';
import { EmptyState, ErrorState, Loading, NotConfigured } from '../../components/common/PageStates';
import { Hash, Page, Section, Tile, useTableStyles } from '../../components/common/Page';
import { REFRESH_MS } from '../../constants';
import { paths } from '../../paths';
import { formatRate, formatSeconds, formatTime } from '../../format';
import { overviewQueries } from '../queries/overviewQueries';
import { codeSeverity } from '../validationCodes';
import { VerifiedMark } from '../Blocks/VerifiedMark';

interface OverviewMetrics {
  peerHeights: PromSample[];
  txRate?: number;
  validationCodes: PromSample[];
  commitLatencyP95?: number;
  exporterLag?: number;
}

async function loadMetrics(uid: string, channel: string): Promise<OverviewMetrics> {
  const q = overviewQueries(channel);
  const [peerHeights, txRate, validationCodes, p95, lag] = await Promise.all([
    instantQuery(uid, q.peerHeights),
    instantQuery(uid, q.txRate),
    instantQuery(uid, q.validationCodes),
    instantQuery(uid, q.commitLatencyP95),
    instantQuery(uid, q.exporterLag),
  ]);
  return {
    peerHeights,
    txRate: scalarOf(txRate),
    validationCodes,
    commitLatencyP95: scalarOf(p95),
    exporterLag: scalarOf(lag),
  };
}

export default function ChannelOverview() {
  const { channel = '' } = useParams();
  const navigate = useNavigate();
  const settings = useSettings();
  const s = useTableStyles();
  const channels = useLoad(() => ledgerApi.channels(), []);
  const blocks = useLoad(() => ledgerApi.blocks(channel, { limit: 10 }), [channel], REFRESH_MS);
  const promUid = settings.prometheusUid;
  const metrics = useLoad(
    () => (promUid ? loadMetrics(promUid, channel) : Promise.resolve(undefined)),
    [promUid, channel],
    REFRESH_MS
  );

  const current = channels.data?.channels.find((c) => c.name === channel);
  const picker =
    channels.data && channels.data.channels.length > 1 ? (
      <RadioButtonGroup
        options={channels.data.channels.map((c) => ({ label: c.name, value: c.name }))}
        value={channel}
        onChange={(v) => navigate(paths.overview(v))}
      />
    ) : undefined;

  let ledger: React.ReactNode;
  if (blocks.state === 'loading') {
    ledger = <Loading what="the latest blocks" />;
  } else if (blocks.state === 'error' && !blocks.data) {
    ledger = <ErrorState error={blocks.error} what="channel" onRetry={blocks.reload} />;
  } else if (blocks.data && blocks.data.blocks.length === 0) {
    ledger = (
      <EmptyState title="No blocks yet">
        The exporter has not processed a block of {channel} yet; it reads from the genesis block on, so this fills in
        within seconds of it connecting to a peer.
      </EmptyState>
    );
  } else if (blocks.data) {
    ledger = (
      <table className={s.table} aria-label="Latest blocks">
        <thead>
          <tr>
            <th className="num">Block</th>
            <th className="num">Transactions</th>
            <th>Header hash</th>
            <th>Chain</th>
            <th>Received</th>
          </tr>
        </thead>
        <tbody>
          {blocks.data.blocks.map((b) => (
            <tr key={b.number}>
              <td className="num">
                <Link to={paths.block(channel, b.number)}>{b.number}</Link>
              </td>
              <td className="num">{b.transactionCount}</td>
              <td>
                <Hash value={b.headerHash} />
              </td>
              <td>
                <VerifiedMark verification={b.verification} />
              </td>
              <td>{formatTime(b.receivedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    );
  }

  let charts: React.ReactNode;
  if (!promUid) {
    charts = <NotConfigured what="a Prometheus data source" />;
  } else if (metrics.state === 'loading') {
    charts = <Loading what="metrics" />;
  } else if (metrics.state === 'error' && !metrics.data) {
    charts = <ErrorState error={metrics.error} source="prometheus" what="metrics" onRetry={metrics.reload} />;
  } else if (metrics.data) {
    const m = metrics.data;
    const codes = [...m.validationCodes].sort((a, b) => Number(b.value[1]) - Number(a.value[1]));
    const total = codes.reduce((n, c) => n + Number(c.value[1]), 0);
    charts = (
      <>
        <div className={s.tiles}>
          <Tile label="Exporter height" value={current?.height ?? blocks.data?.height ?? '—'} />
          <Tile label="Transactions/s (1m)" value={formatRate(m.txRate)} />
          <Tile
            label="Commit latency p95 (5m)"
            value={formatSeconds(m.commitLatencyP95)}
            hint="client timestamp to block, as the exporter sees it"
          />
          <Tile label="Exporter lag" value={m.exporterLag === undefined ? '—' : `${m.exporterLag} blocks`} />
        </div>
        <Stack direction="row" gap={4} wrap="wrap">
          <Section title="Height per peer and orderer">
            {m.peerHeights.length === 0 ? (
              <EmptyState title="No peer heights">
                Prometheus has no ledger_blockchain_height for {channel}: check that it scrapes the peers&apos;
                operations endpoints.
              </EmptyState>
            ) : (
              <table className={s.table} aria-label="Height per node">
                <thead>
                  <tr>
                    <th>Node</th>
                    <th>Org</th>
                    <th className="num">Height</th>
                  </tr>
                </thead>
                <tbody>
                  {m.peerHeights.map((p) => (
                    <tr key={p.metric.instance_name ?? p.metric.instance}>
                      <td>{p.metric.instance_name ?? p.metric.instance}</td>
                      <td>{p.metric.org ?? ''}</td>
                      <td className="num">{p.value[1]}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Section>
          <Section title="Validation codes (all counted transactions)">
            {codes.length === 0 ? (
              <EmptyState title="No transactions yet">
                No endorser transaction has committed on {channel} since the exporter started counting.
              </EmptyState>
            ) : (
              <table className={s.table} aria-label="Validation codes">
                <thead>
                  <tr>
                    <th>Code</th>
                    <th className="num">Transactions</th>
                    <th className="num">Share</th>
                  </tr>
                </thead>
                <tbody>
                  {codes.map((c) => {
                    const code = c.metric.validation_code ?? '?';
                    const sev = codeSeverity(code);
                    return (
                      <tr key={code}>
                        <td>
                          <Badge text={code} color={sev === 'ok' ? 'green' : sev === 'retry' ? 'orange' : 'red'} />
                        </td>
                        <td className="num">{c.value[1]}</td>
                        <td className="num">{total ? `${((Number(c.value[1]) / total) * 100).toFixed(1)}%` : ''}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            )}
          </Section>
        </Stack>
      </>
    );
  }

  return (
    <Page
      title={`Channel ${channel}`}
      subTitle="Ledger height, transaction rate and validation outcomes; refreshes every 5 s."
      actions={picker}
    >
      {charts}
      <Section title="Latest blocks" actions={<Link to={paths.blocks(channel)}>All blocks →</Link>}>
        {ledger}
      </Section>
    </Page>
  );
}
