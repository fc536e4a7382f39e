import React from 'react';
import { Link, useParams } from 'react-router-dom';
import { ledgerApi } from '../../api/ledgerApi';
import { useLoad } from '../../components/common/useLoad';
import { EmptyState, ErrorState, Loading } from '../../components/common/PageStates';
import { Mono, Page, useTableStyles } from '../../components/common/Page';
import { paths } from '../../paths';

export default function Conflicts() {
  const { channel = '' } = useParams();
  const s = useTableStyles();
  const conflicts = useLoad(() => ledgerApi.conflicts(channel, 50), [channel]);
  let body: React.ReactNode;
  if (conflicts.state === 'loading') {
    body = <Loading what="conflicting keys" />;
  } else if (conflicts.state === 'error') {
    body = <ErrorState error={conflicts.error} what="channel" onRetry={conflicts.reload} />;
  } else if (conflicts.data.conflicts.length === 0) {
    body = (
      <EmptyState title="No read conflicts">
        No transaction on {channel} was invalidated with MVCC_READ_CONFLICT or PHANTOM_READ_CONFLICT since block{' '}
        {conflicts.data.indexedFrom ?? '—'}.
      </EmptyState>
    );
  } else {
    const d = conflicts.data;
    const max = Math.max(...d.conflicts.map((c) => c.conflicts));
    body = (
      <>
        <p>
          Keys behind MVCC read conflicts since block {d.indexedFrom ?? '—'}: concurrent transactions read the key and
          one of them lost. Hot keys are candidates for splitting or for serializing their writers.
        </p>
        <table className={s.table} aria-label="Conflicting keys">
          <thead>
            <tr>
              <th>Chaincode</th>
              <th>Key</th>
              <th className="num">Conflicts</th>
              <th style={{ width: '30%' }} />
            </tr>
          </thead>
          <tbody>
            {d.conflicts.map((c) => (
              <tr key={`${c.chaincode}/${c.key}`}>
                <td>{c.chaincode}</td>
                <td>
                  <Link to={paths.keyHistory(channel, c.chaincode, c.key)}>
                    <Mono>{c.key.replace(/\u0000/g, '␀')}</Mono>
                  </Link>
                </td>
                <td className="num">{c.conflicts}</td>
                <td>
                  <div
                    style={{
                      background: '#ff9830',
                      height: 8,
                      width: `${(c.conflicts / max) * 100}%`,
                      borderRadius: 2,
                    }}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </>
    );
  }
  return (
    <Page title="Top conflicting keys" subTitle={`Channel ${channel}`}>
      {body}
    </Page>
  );
}
