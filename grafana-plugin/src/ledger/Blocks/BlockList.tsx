import React from 'react';
import { Link, useParams, useSearchParams } from 'react-router-dom';
import { LinkButton, Stack } from '@grafana/ui';
import { ledgerApi } from '../../api/ledgerApi';
import { useLoad } from '../../components/common/useLoad';
import { EmptyState, ErrorState, Loading } from '../../components/common/PageStates';
import { Hash, Page, useTableStyles } from '../../components/common/Page';
import { paths } from '../../paths';
import { formatBytes, formatTime } from '../../format';
import { VerifiedMark } from './VerifiedMark';

export const PAGE_SIZE = 20;

/** `before` from the URL: a non-negative integer, else undefined (the newest page). */
export function parseBefore(value: string | null): number | undefined {
  if (value === null || !/^\d+$/.test(value)) {
    return undefined;
  }
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
}

export default function BlockList() {
  const { channel = '' } = useParams();
  const [search] = useSearchParams();
  const before = parseBefore(search.get('before'));
  const s = useTableStyles();
  const page = useLoad(() => ledgerApi.blocks(channel, { limit: PAGE_SIZE, before }), [channel, before]);

  let body: React.ReactNode;
  if (page.state === 'loading') {
    body = <Loading what="blocks" />;
  } else if (page.state === 'error') {
    body = <ErrorState error={page.error} what="blocks" onRetry={page.reload} />;
  } else if (page.data.blocks.length === 0) {
    body = (
      <EmptyState title={before === undefined ? 'No blocks yet' : `No blocks below ${before}`}>
        {before === undefined ? (
          'The exporter has not processed a block of this channel yet.'
        ) : (
          <Link to={paths.blocks(channel)}>Newest blocks</Link>
        )}
      </EmptyState>
    );
  } else {
    const d = page.data;
    body = (
      <>
        <table className={s.table} aria-label="Blocks">
          <thead>
            <tr>
              <th className="num">Block</th>
              <th className="num">Transactions</th>
              <th className="num">Size</th>
              <th>Header hash</th>
              <th>Previous hash</th>
              <th>Chain</th>
              <th>Received</th>
            </tr>
          </thead>
          <tbody>
            {d.blocks.map((b) => (
              <tr key={b.number}>
                <td className="num">
                  <Link to={paths.block(channel, b.number)}>{b.number}</Link>
                </td>
                <td className="num">{b.transactionCount}</td>
                <td className="num">{formatBytes(b.size)}</td>
                <td>
                  <Hash value={b.headerHash} />
                </td>
                <td>
                  <Hash value={b.previousHash} />
                </td>
                <td>
                  <VerifiedMark verification={b.verification} />
                </td>
                <td>{b.source === 'peer' ? 'from the peer' : formatTime(b.receivedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <Stack direction="row" gap={1}>
          {before !== undefined && (
            <LinkButton variant="secondary" icon="angle-double-left" href={paths.blocks(channel)}>
              Newest
            </LinkButton>
          )}
          {d.next !== null && (
            <LinkButton variant="secondary" icon="angle-right" href={paths.blocks(channel, d.next)}>
              Older
            </LinkButton>
          )}
        </Stack>
      </>
    );
  }

  return (
    <Page
      title={`Blocks of ${channel}`}
      subTitle={page.data ? `Height ${page.data.height}; newest first, ${PAGE_SIZE} a page.` : 'Newest first.'}
    >
      {body}
    </Page>
  );
}
