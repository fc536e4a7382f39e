import React from 'react';
import { Link, useParams } from 'react-router-dom';
import { Badge, LinkButton, Stack } from '@grafana/ui';
import { ledgerApi } from '../../api/ledgerApi';
import { useLoad } from '../../components/common/useLoad';
import { EmptyState, ErrorState, Loading } from '../../components/common/PageStates';
import { Fields, Hash, Mono, Page, Section, useTableStyles } from '../../components/common/Page';
import { paths } from '../../paths';
import { formatBytes, formatTime } from '../../format';
import { codeSeverity } from '../validationCodes';
import { VerifiedMark } from './VerifiedMark';

export default function BlockDetail() {
  const { channel = '', number = '' } = useParams();
  const n = /^\d+$/.test(number) ? Number(number) : NaN;
  const s = useTableStyles();
  const block = useLoad(
    () =>
      Number.isSafeInteger(n)
        ? ledgerApi.block(channel, n)
        : Promise.reject({ status: 400, data: { error: `${number} is not a block number` } }),
    [channel, n]
  );

  let body: React.ReactNode;
  if (block.state === 'loading') {
    body = <Loading what={`block ${number}`} />;
  } else if (block.state === 'error') {
    body = <ErrorState error={block.error} what="block" onRetry={block.reload} />;
  } else {
    const b = block.data;
    body = (
      <>
        <Section title="Header">
          <Fields
            rows={[
              ['Number', b.number],
              ['Chain', <VerifiedMark key="v" verification={b.verification} />],
              ['Header hash', <Hash key="h" value={b.headerHash} full />],
              ['Previous hash', <Hash key="p" value={b.previousHash} full />],
              ['Data hash', <Hash key="d" value={b.dataHash} full />],
              ['Transactions', b.transactionCount],
              ['Size', formatBytes(b.size)],
              ['Malformed envelopes', b.malformedEnvelopes],
              [
                'Received',
                b.source === 'peer'
                  ? 'read from the peer (older than the exporter\u2019s memory)'
                  : formatTime(b.receivedAt),
              ],
              ...(b.configSequence !== undefined
                ? ([['Config sequence', b.configSequence]] as Array<[string, React.ReactNode]>)
                : []),
            ]}
          />
        </Section>
        <Section title="Transactions">
          {b.transactions.length === 0 ? (
            <EmptyState title="No transactions in this block" />
          ) : (
            <table className={s.table} aria-label="Transactions">
              <thead>
                <tr>
                  <th className="num">#</th>
                  <th>Transaction ID</th>
                  <th>Type</th>
                  <th>Chaincode</th>
                  <th>Function</th>
                  <th>Creator</th>
                  <th>Validation</th>
                </tr>
              </thead>
              <tbody>
                {b.transactions.map((t) => {
                  const sev = codeSeverity(t.validationCode);
                  return (
                    <tr key={`${t.position}-${t.txId}`}>
                      <td className="num">{t.position}</td>
                      <td>
                        {t.txId ? (
                          <Link to={paths.transaction(channel, t.txId)}>
                            <Mono>{t.txId.slice(0, 16)}…</Mono>
                          </Link>
                        ) : (
                          '—'
                        )}
                      </td>
                      <td>{t.type}</td>
                      <td>{t.chaincode ?? '—'}</td>
                      <td>{t.function ?? '—'}</td>
                      <td>{t.creator?.mspId ?? '—'}</td>
                      <td>
                        <Badge
                          text={t.validationCode}
                          color={sev === 'ok' ? 'green' : sev === 'retry' ? 'orange' : 'red'}
                        />
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
        </Section>
      </>
    );
  }

  const nav = Number.isSafeInteger(n) ? (
    <Stack direction="row" gap={1}>
      {n > 0 && (
        <LinkButton size="sm" variant="secondary" icon="angle-left" href={paths.block(channel, n - 1)}>
          Block {n - 1}
        </LinkButton>
      )}
      <LinkButton size="sm" variant="secondary" href={paths.block(channel, n + 1)}>
        Block {n + 1}
      </LinkButton>
    </Stack>
  ) : undefined;

  return (
    <Page
      title={`Block ${number}`}
      subTitle={<Link to={paths.blocks(channel)}>Blocks of {channel}</Link>}
      actions={nav}
    >
      {body}
    </Page>
  );
}
