import React from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { Alert, Badge, LinkButton, Stack } from '@grafana/ui';
import { ledgerApi } from '../../api/ledgerApi';
import type { PodList } from '../../api/types';
import { instantQuery } from '../../prometheus/promClient';
import { useLoad } from '../../components/common/useLoad';
import { useSettings } from '../../components/common/SettingsContext';
import { EmptyState, ErrorState, Loading, NotConfigured } from '../../components/common/PageStates';
import { Mono, Page, useTableStyles } from '../../components/common/Page';
import { REFRESH_MS } from '../../constants';
import { paths } from '../../paths';
import { formatBytes, formatCores, formatPercent, formatRate, formatSeconds } from '../../format';
import { podTracesExploreUrl } from '../../traces/exploreLinks';
import { podQueries, type PodFilter, type PodQueryName } from '../queries/podQueries';
import { podRows, type PodMetrics } from '../podRows';

async function loadMetrics(uid: string, f: PodFilter): Promise<PodMetrics> {
  const q = podQueries({ chaincode: f.chaincode, channel: f.channel });
  const names = Object.keys(q) as PodQueryName[];
  const answers = await Promise.all(names.map((n) => instantQuery(uid, q[n])));
  return Object.fromEntries(names.map((n, i) => [n, answers[i]]));
}

const PHASE_COLOR: Record<string, 'green' | 'orange' | 'red' | 'blue'> = {
  Running: 'green',
  Pending: 'orange',
  Failed: 'red',
  Succeeded: 'blue',
};

export default function ChaincodePods() {
  const [params] = useSearchParams();
  const chaincode = params.get('chaincode') ?? undefined;
  const channel = params.get('channel') ?? undefined;
  const orgs = params.getAll('org');
  const pods = params.getAll('pod');
  const tx = params.get('tx') ?? undefined;
  const settings = useSettings();
  const s = useTableStyles();
  const promUid = settings.prometheusUid;
  const apiPods = useLoad<PodList | { error: unknown }>(
    () => ledgerApi.pods().catch((error) => ({ error })),
    [],
    REFRESH_MS
  );
  const metrics = useLoad(
    () => (promUid ? loadMetrics(promUid, { chaincode, channel }) : Promise.resolve({})),
    [promUid, chaincode, channel],
    REFRESH_MS
  );

  const filterKey = [chaincode, channel, ...orgs, ...pods].join('|');
  let body: React.ReactNode;
  if (apiPods.state === 'loading' || metrics.state === 'loading') {
    body = <Loading what="chaincode pods" />;
  } else {
    const podList = apiPods.data && 'pods' in apiPods.data ? apiPods.data.pods : [];
    const apiError = apiPods.data && 'error' in apiPods.data ? apiPods.data.error : undefined;
    const rows = podRows(podList, metrics.data ?? {}, { chaincode, orgs, pods });
    body = (
      <>
        {!promUid && <NotConfigured what="a Prometheus data source" />}
        {metrics.state === 'error' && (
          <ErrorState error={metrics.error} source="prometheus" what="pod metrics" onRetry={metrics.reload} />
        )}
        {apiError !== undefined && rows.length > 0 && (
          <Alert severity="info" title="Phases from Prometheus only">
            The exporter&apos;s pod list could not be read, so the pods shown are those whose sidecars Prometheus
            scrapes.
          </Alert>
        )}
        {rows.length === 0 ? (
          apiError !== undefined && !promUid ? (
            <ErrorState error={apiError} what="pods" onRetry={apiPods.reload} />
          ) : (
            <EmptyState title="No chaincode pods found">
              {filterKey ? 'No pod matches this filter. ' : ''}Neither the exporter&apos;s pod list nor
              Prometheus&apos;s sidecar targets (job mictract-sidecar) name a pod{chaincode ? ` of ${chaincode}` : ''}.
              Check that the chaincode runs with the tracing sidecar and that Prometheus scrapes it.
            </EmptyState>
          )
        ) : (
          <table className={s.table} aria-label="Chaincode pods">
            <thead>
              <tr>
                <th>Pod</th>
                <th>Chaincode</th>
                <th>Org</th>
                <th>Phase</th>
                <th className="num">Restarts (1h)</th>
                <th className="num">CPU</th>
                <th className="num">Memory</th>
                <th className="num">Invocations</th>
                <th className="num">Errors (5m)</th>
                <th className="num">p95 (5m)</th>
                <th>Links</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.name}>
                  <td>
                    <Mono>{r.name}</Mono>
                    {r.slot ? <div style={{ opacity: 0.7 }}>slot {r.slot}</div> : null}
                  </td>
                  <td>{r.chaincode ?? '—'}</td>
                  <td>{r.org ?? '—'}</td>
                  <td>
                    {r.phase ? <Badge color={PHASE_COLOR[r.phase] ?? 'blue'} text={r.phase} /> : '—'}
                    {r.scraped === false && (
                      <Badge
                        color="red"
                        icon="exclamation-triangle"
                        text="not scraped"
                        tooltip="Prometheus cannot scrape this pod's sidecar (up == 0)"
                      />
                    )}
                  </td>
                  <td className="num">{r.restarts ?? '—'}</td>
                  <td className="num">{formatCores(r.cpuCores)}</td>
                  <td className="num">{formatBytes(r.memoryBytes)}</td>
                  <td
                    className="num"
                    title={
                      r.invocationsPerSecond === undefined && r.scraped
                        ? 'its sidecar has counted no invocation yet'
                        : undefined
                    }
                  >
                    {r.invocationsPerSecond === undefined && r.scraped
                      ? 'none yet'
                      : formatRate(r.invocationsPerSecond)}
                  </td>
                  <td className="num">{r.invocationsPerSecond === 0 ? 'no traffic' : formatPercent(r.errorRatio)}</td>
                  <td className="num">{formatSeconds(r.p95Seconds)}</td>
                  <td>
                    <Stack direction="row" gap={0.5}>
                      {settings.traces && (
                        <LinkButton
                          size="sm"
                          variant="secondary"
                          icon="gf-traces"
                          href={podTracesExploreUrl(settings.traces, r.name)}
                        >
                          Traces
                        </LinkButton>
                      )}
                      <LinkButton
                        size="sm"
                        variant="secondary"
                        icon="apps"
                        href={paths.chaincodeDashboard(r.chaincode, r.name, channel)}
                      >
                        Dashboard
                      </LinkButton>
                      <LinkButton
                        size="sm"
                        variant="secondary"
                        icon="fire"
                        href={paths.profile({ chaincode: r.chaincode, pod: r.name })}
                        tooltip="Capture a CPU profile of this pod (its chaincode needs profile: true)"
                      >
                        Profile
                      </LinkButton>
                    </Stack>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </>
    );
  }

  const context = [
    chaincode && `chaincode ${chaincode}`,
    orgs.length > 0 && `orgs ${orgs.join(', ')}`,
    pods.length > 0 && `pods ${pods.join(', ')}`,
  ]
    .filter(Boolean)
    .join(' · ');
  return (
    <Page
      title="Chaincode pods"
      subTitle={
        <>
          Each replica with its sidecar&apos;s metrics; refreshes every 5 s. CPU and memory are the pod&apos;s
          (Kubernetes) or its sidecar process&apos;s (local target).
          {context && (
            <div>
              Filtered to {context}
              {tx && channel && (
                <>
                  {' '}
                  (the orgs that endorsed <Link to={paths.transaction(channel, tx)}>{tx.slice(0, 12)}…</Link>)
                </>
              )}{' '}
              · <Link to={paths.pods()}>all pods</Link>
            </div>
          )}
        </>
      }
    >
      {body}
    </Page>
  );
}
