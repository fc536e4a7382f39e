import React, { useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { Badge, Button, Field, Input, Stack } from '@grafana/ui';
import { ledgerApi } from '../../api/ledgerApi';
import { useLoad } from '../../components/common/useLoad';
import { EmptyState, ErrorState, Loading } from '../../components/common/PageStates';
import { Mono, Page, useTableStyles } from '../../components/common/Page';
import { paths } from '../../paths';
import { formatBytes, formatTime } from '../../format';

export default function KeyHistory() {
  const { channel = '' } = useParams();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const chaincode = params.get('chaincode') ?? '';
  const key = params.get('key') ?? '';
  const [cc, setCc] = useState(chaincode || 'marbles');
  const [k, setK] = useState(key);
  const s = useTableStyles();
  const ready = chaincode !== '' && key !== '';
  const history = useLoad(
    () => (ready ? ledgerApi.keyHistory(channel, chaincode, key) : Promise.resolve(undefined)),
    [channel, chaincode, key]
  );

  let body: React.ReactNode;
  if (!ready) {
    body = (
      <EmptyState title="Choose a key">
        Type the chaincode and the state key (for marbles, the marble&apos;s name), or follow a key from a
        transaction&apos;s read/write set.
      </EmptyState>
    );
  } else if (history.state === 'loading') {
    body = <Loading what="the key's history" />;
  } else if (history.state === 'error') {
    body = <ErrorState error={history.error} what="key" onRetry={history.reload} />;
  } else if (history.data && history.data.writes.length === 0) {
    body = (
      <EmptyState title="No writes seen">
        No valid transaction wrote {key} in {chaincode} since block {history.data.indexedFrom ?? '—'} (the exporter
        indexes the blocks it read since it started).
      </EmptyState>
    );
  } else if (history.data) {
    const h = history.data;
    body = (
      <>
        <p>Valid writes, newest first, as seen since block {h.indexedFrom ?? '—'}.</p>
        <table className={s.table} aria-label="Key history">
          <thead>
            <tr>
              <th>Time</th>
              <th className="num">Block / tx</th>
              <th>Transaction</th>
              <th>Change</th>
              <th className="num">Value size</th>
            </tr>
          </thead>
          <tbody>
            {h.writes.map((w) => (
              <tr key={`${w.blockNumber}-${w.txNumber}`}>
                <td>{formatTime(w.timestamp)}</td>
                <td className="num">
                  <Link to={paths.block(channel, w.blockNumber)}>{w.blockNumber}</Link> / {w.txNumber}
                </td>
                <td>
                  <Link to={paths.transaction(channel, w.txId)}>
                    <Mono>{w.txId.slice(0, 16)}…</Mono>
                  </Link>
                </td>
                <td>{w.isDelete ? <Badge color="red" text="deleted" /> : <Badge color="green" text="written" />}</td>
                <td className="num">{w.isDelete ? '—' : formatBytes(w.valueSize)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </>
    );
  }

  return (
    <Page title="Key history" subTitle={`Channel ${channel}`}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          navigate(paths.keyHistory(channel, cc.trim(), k));
        }}
      >
        <Stack direction="row" gap={1} alignItems="flex-end">
          <Field label="Chaincode" style={{ marginBottom: 0 }}>
            <Input width={24} value={cc} onChange={(e) => setCc(e.currentTarget.value)} aria-label="Chaincode" />
          </Field>
          <Field label="Key" style={{ marginBottom: 0 }}>
            <Input width={48} value={k} onChange={(e) => setK(e.currentTarget.value)} aria-label="Key" />
          </Field>
          <Button type="submit" icon="history" disabled={!cc.trim() || !k}>
            Show history
          </Button>
        </Stack>
      </form>
      <div style={{ marginTop: 16 }}>{body}</div>
    </Page>
  );
}
