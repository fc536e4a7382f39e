import React, { useState } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router-dom';
import { Alert, Button, Field, Input, Stack } from '@grafana/ui';
import { ledgerApi } from '../../api/ledgerApi';
import { useLoad } from '../../components/common/useLoad';
import { EmptyState, ErrorState, Loading } from '../../components/common/PageStates';
import { Page } from '../../components/common/Page';
import { paths } from '../../paths';
import { parseSearch, type SearchTarget } from '../queries/searchQuery';

/** Resolves a search to the page that shows it: a transaction in whatever channel holds it, or a block of the first (or chosen) channel. */
async function resolveTarget(target: SearchTarget, channel: string | null): Promise<string> {
  if (target.kind === 'tx') {
    const tx = await ledgerApi.transaction(target.txId);
    return paths.transaction(tx.channel, tx.txId);
  }
  if (target.kind === 'block') {
    const ch = channel ?? (await ledgerApi.channels()).channels[0]?.name;
    if (!ch) {
      throw { status: 404, data: { error: 'the exporter exports no channel' } };
    }
    await ledgerApi.block(ch, target.number);
    return paths.block(ch, target.number);
  }
  throw new Error('nothing to search');
}

export default function Search() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const q = params.get('q') ?? '';
  const channel = params.get('channel');
  const [text, setText] = useState(q);
  const target = parseSearch(q);
  const found = useLoad(
    () =>
      target.kind === 'tx' || target.kind === 'block' ? resolveTarget(target, channel) : Promise.resolve(undefined),
    [q, channel]
  );

  let body: React.ReactNode = null;
  if (target.kind === 'invalid') {
    body = (
      <Alert severity="warning" title="Not a transaction ID or block number">
        {target.reason}
      </Alert>
    );
  } else if (target.kind === 'empty') {
    body = (
      <EmptyState title="Search the ledger">
        Paste a transaction ID (64 hex characters, e.g. from a client log or an alert) or type a block number.
      </EmptyState>
    );
  } else if (found.state === 'loading') {
    body = <Loading what={target.kind === 'tx' ? 'the transaction' : 'the block'} />;
  } else if (found.state === 'error') {
    body = (
      <ErrorState error={found.error} what={target.kind === 'tx' ? 'transaction' : 'block'} onRetry={found.reload} />
    );
  } else if (found.data) {
    return <Navigate to={found.data} />;
  }

  return (
    <Page title="Search" subTitle="By transaction ID (every exported channel) or block number.">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          navigate(paths.search(text.trim()));
        }}
      >
        <Stack direction="row" gap={1} alignItems="flex-end">
          <Field label="Transaction ID or block number" style={{ marginBottom: 0 }}>
            <Input
              width={80}
              value={text}
              onChange={(e) => setText(e.currentTarget.value)}
              placeholder="e.g. 3f2a…(64 hex) or 42"
              aria-label="Transaction ID or block number"
            />
          </Field>
          <Button type="submit" icon="search">
            Search
          </Button>
        </Stack>
      </form>
      <div style={{ marginTop: 16 }}>{body}</div>
    </Page>
  );
}
