import React from 'react';
import { Alert, Button, LinkButton, LoadingPlaceholder } from '@grafana/ui';
import { RequestFailure, classifyFailure } from '../../api/request';
import { paths } from '../../paths';
import { testIds } from '../testIds';

export function Loading({ what }: { what: string }) {
  return (
    <div data-testid={testIds.states.loading}>
      <LoadingPlaceholder text={`Loading ${what}…`} />
    </div>
  );
}

export interface Explained {
  title: string;
  hint: string;
  /** Whether the configuration page is the place to fix it. */
  config: boolean;
}

/** Says what went wrong and what to do, for the exporter's ledger API (`source: 'api'`) or Prometheus. */
export function explainFailure(err: unknown, source: 'api' | 'prometheus', what: string): Explained {
  const f: RequestFailure = classifyFailure(err);
  const target = source === 'api' ? 'the Mictract exporter' : 'the Prometheus data source';
  switch (f.kind) {
    case 'not-configured':
      return {
        title: `${source === 'api' ? 'The ledger API URL' : 'The Prometheus data source'} is not set`,
        hint: `Set it on the Mictract configuration page. (${f.message})`,
        config: true,
      };
    case 'unreachable':
      return {
        title: `Cannot reach ${target}`,
        hint:
          source === 'api'
            ? `Grafana could not connect to the ledger API URL (${f.message}). Check that mictract-exporter runs and that the URL on the configuration page is reachable from the Grafana server.`
            : `Grafana could not query Prometheus (${f.message}). Check the data source's URL in Connections → Data sources.`,
        config: source === 'api',
      };
    case 'not-ledger-api':
      return {
        title: 'The ledger API URL does not point at the ledger API',
        hint: `Something answered (${f.message}), but not the exporter's ledger API. The URL should end in /api/v1, e.g. http://exporter:9464/api/v1.`,
        config: true,
      };
    case 'not-found':
      return {
        title: `No such ${what}`,
        hint: `The exporter says: ${f.message}. Check the channel, number or ID.`,
        config: false,
      };
    case 'bad-request':
      return { title: `The ${what} request was rejected`, hint: `The exporter says: ${f.message}.`, config: false };
    case 'peer':
      return {
        title: 'The exporter could not ask the peer',
        hint: `${f.message}. Older blocks come from the peer through qscc; check the peer is up and the exporter's identity may query it.`,
        config: false,
      };
    default:
      return { title: `Could not load ${what}`, hint: f.message, config: false };
  }
}

export function ErrorState({
  error,
  source = 'api',
  what,
  onRetry,
}: {
  error: unknown;
  source?: 'api' | 'prometheus';
  what: string;
  onRetry?: () => void;
}) {
  const e = explainFailure(error, source, what);
  return (
    <div data-testid={testIds.states.error}>
      <Alert severity="error" title={e.title}>
        <p>{e.hint}</p>
        {onRetry && (
          <Button size="sm" variant="secondary" icon="sync" onClick={onRetry}>
            Retry
          </Button>
        )}{' '}
        {e.config && (
          <LinkButton size="sm" variant="secondary" icon="cog" href={paths.config()}>
            Open configuration
          </LinkButton>
        )}
      </Alert>
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children?: React.ReactNode }) {
  return (
    <div data-testid={testIds.states.empty}>
      <Alert severity="info" title={title}>
        {children}
      </Alert>
    </div>
  );
}

/** Shown where a data source must be chosen first. */
export function NotConfigured({ what }: { what: string }) {
  return (
    <div data-testid={testIds.states.notConfigured}>
      <Alert severity="warning" title={`Choose ${what} on the configuration page`}>
        <p>Mictract reads {what === 'a Prometheus data source' ? 'metrics' : 'traces'} through it.</p>
        <LinkButton size="sm" variant="secondary" icon="cog" href={paths.config()}>
          Open configuration
        </LinkButton>
      </Alert>
    </div>
  );
}
