import React from 'react';
import { Link, useParams } from 'react-router-dom';
import { Alert, Badge, LinkButton, Stack } from '@grafana/ui';
import { ledgerApi } from '../../api/ledgerApi';
import type { Transaction } from '../../api/types';
import { useLoad } from '../../components/common/useLoad';
import { useSettings } from '../../components/common/SettingsContext';
import { EmptyState, ErrorState, Loading } from '../../components/common/PageStates';
import { Fields, Mono, Page, Section, useTableStyles } from '../../components/common/Page';
import { paths } from '../../paths';
import { formatBytes, formatTime } from '../../format';
import { codeSeverity, explainValidationCode } from '../validationCodes';
import { isTxId, traceIdOf } from '../../traces/traceIdentity';
import { rangeAround, traceExploreUrl } from '../../traces/exploreLinks';

/** The orgs whose pods may have served a transaction: its endorsers' MSPs (the peers that ran the chaincode). */
export function servingOrgs(tx: Transaction): string[] {
  return [...new Set(tx.endorsers.map((e) => e.mspId))].sort();
}

function TxLinks({ tx }: { tx: Transaction }) {
  const { traces } = useSettings();
  const traceId = traceIdOf(tx.txId);
  return (
    <Stack direction="row" gap={1} wrap="wrap">
      {traces ? (
        <LinkButton icon="gf-traces" href={traceExploreUrl(traces, traceId, rangeAround(tx.timestamp))}>
          Open trace
        </LinkButton>
      ) : (
        <LinkButton
          icon="gf-traces"
          variant="secondary"
          href={paths.config()}
          tooltip="Choose a traces data source on the configuration page first"
        >
          Open trace (choose a traces data source)
        </LinkButton>
      )}
      {tx.chaincode && (
        <LinkButton
          icon="cube"
          variant="secondary"
          href={paths.pods({ chaincode: tx.chaincode, channel: tx.channel, orgs: servingOrgs(tx), tx: tx.txId })}
        >
          Chaincode pods
        </LinkButton>
      )}
      {tx.chaincode && (
        <LinkButton
          icon="fire"
          variant="secondary"
          href={paths.profile({ chaincode: tx.chaincode, channel: tx.channel, tx: tx.txId })}
          tooltip="Capture a CPU profile of a pod of this chaincode: which lines its time goes to"
        >
          Profile this chaincode
        </LinkButton>
      )}
      <LinkButton variant="secondary" href={paths.block(tx.channel, tx.blockNumber)}>
        Block {tx.blockNumber}
      </LinkButton>
    </Stack>
  );
}

function TxBody({ tx }: { tx: Transaction }) {
  const s = useTableStyles();
  const sev = codeSeverity(tx.validationCode);
  return (
    <>
      <Alert
        severity={sev === 'ok' ? 'success' : sev === 'retry' ? 'warning' : 'error'}
        title={`${tx.validationCode} (${tx.validationCodeNumber})`}
      >
        {explainValidationCode(tx.validationCode)}
      </Alert>
      <Section title="Transaction">
        <Fields
          rows={[
            ['Transaction ID', <Mono key="id">{tx.txId}</Mono>],
            ['Trace ID', <Mono key="tr">{traceIdOf(tx.txId)}</Mono>],
            [
              'Channel',
              <Link key="ch" to={paths.overview(tx.channel)}>
                {tx.channel}
              </Link>,
            ],
            [
              'Block / position',
              <Link key="b" to={paths.block(tx.channel, tx.blockNumber)}>{`${tx.blockNumber} / ${tx.position}`}</Link>,
            ],
            ['Time (client)', formatTime(tx.timestamp)],
            ['Type', tx.type],
            [
              'Creator',
              tx.creator ? `${tx.creator.mspId}${tx.creator.subject ? ` (${tx.creator.subject})` : ''}` : '—',
            ],
            ['Chaincode', tx.chaincode ?? '—'],
            ['Function', tx.function ?? '—'],
            ['Response status', tx.responseStatus ?? '—'],
            ['Size', formatBytes(tx.size)],
          ]}
        />
      </Section>
      <Section title="Arguments">
        {tx.args.length === 0 ? (
          <EmptyState title="No arguments" />
        ) : (
          <table className={s.table} aria-label="Arguments">
            <tbody>
              {tx.args.map((a, i) => (
                <tr key={i}>
                  <td className="num">{i}</td>
                  <td>
                    <Mono>{a}</Mono>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
      <Section title="Endorsers">
        {tx.endorsers.length === 0 ? (
          <EmptyState title="No endorsements" />
        ) : (
          <Stack direction="row" gap={1} wrap="wrap">
            {tx.endorsers.map((e, i) => (
              <Badge key={i} color="blue" text={`${e.mspId}${e.subject ? ` · ${e.subject}` : ''}`} />
            ))}
          </Stack>
        )}
      </Section>
      <Section title="Read/write set">
        {tx.rwsets.length === 0 ? (
          <EmptyState title="No read/write set" />
        ) : (
          <table className={s.table} aria-label="Read/write set">
            <thead>
              <tr>
                <th>Namespace</th>
                <th>Access</th>
                <th>Key</th>
                <th>Version read / value written</th>
              </tr>
            </thead>
            <tbody>
              {tx.rwsets.flatMap((rw) => [
                ...rw.reads.map((r, i) => (
                  <tr key={`${rw.namespace}-r-${i}`}>
                    <td>{rw.namespace}</td>
                    <td>read</td>
                    <td>
                      <KeyLink channel={tx.channel} chaincode={rw.namespace} k={r.key} />
                    </td>
                    <td>{r.version ? `block ${r.version.blockNumber}, tx ${r.version.txNumber}` : 'absent'}</td>
                  </tr>
                )),
                ...rw.writes.map((w, i) => (
                  <tr key={`${rw.namespace}-w-${i}`}>
                    <td>{rw.namespace}</td>
                    <td>{w.isDelete ? 'delete' : 'write'}</td>
                    <td>
                      <KeyLink channel={tx.channel} chaincode={rw.namespace} k={w.key} />
                    </td>
                    <td>{w.isDelete ? '—' : formatBytes(w.valueSize)}</td>
                  </tr>
                )),
                ...(rw.rangeQueries > 0
                  ? [
                      <tr key={`${rw.namespace}-rq`}>
                        <td>{rw.namespace}</td>
                        <td>range queries</td>
                        <td colSpan={2}>{rw.rangeQueries}</td>
                      </tr>,
                    ]
                  : []),
              ])}
            </tbody>
          </table>
        )}
      </Section>
      <Section title="Events">
        {tx.events.length === 0 ? (
          <EmptyState title="No chaincode events" />
        ) : (
          <table className={s.table} aria-label="Events">
            <tbody>
              {tx.events.map((e, i) => (
                <tr key={i}>
                  <td>{e.chaincode}</td>
                  <td>{e.name}</td>
                  <td className="num">{formatBytes(e.payloadSize)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
    </>
  );
}

function KeyLink({ channel, chaincode, k }: { channel: string; chaincode: string; k: string }) {
  const shown = k.replace(/\u0000/g, '␀');
  if (chaincode.startsWith('_')) {
    return <Mono>{shown}</Mono>;
  }
  return (
    <Link to={paths.keyHistory(channel, chaincode, k)}>
      <Mono>{shown}</Mono>
    </Link>
  );
}

export default function TransactionDetail() {
  const { channel, txId = '' } = useParams();
  const valid = isTxId(txId);
  const tx = useLoad(
    () =>
      valid
        ? ledgerApi.transaction(txId, channel)
        : Promise.reject({ status: 400, data: { error: 'a transaction ID is 64 lower-case hex characters' } }),
    [channel, txId]
  );
  let body: React.ReactNode;
  if (tx.state === 'loading') {
    body = <Loading what="the transaction" />;
  } else if (tx.state === 'error') {
    body = <ErrorState error={tx.error} what="transaction" onRetry={tx.reload} />;
  } else {
    body = <TxBody tx={tx.data} />;
  }
  return (
    <Page
      title={`Transaction ${txId.slice(0, 12)}…`}
      subTitle={channel ? <Link to={paths.overview(channel)}>Channel {channel}</Link> : undefined}
      actions={tx.data ? <TxLinks tx={tx.data} /> : undefined}
    >
      {body}
    </Page>
  );
}
