import React, { useMemo, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { config } from '@grafana/runtime';
import { Alert, Button, Checkbox, Field, Input, RadioButtonGroup, Select, Stack } from '@grafana/ui';
import { FlameGraph } from '@grafana/flamegraph';
import { ledgerApi } from '../../api/ledgerApi';
import { type CpuProfile, type ProfileList, type ProfileMeta, type ProfileRow, profileApi } from '../../api/profileApi';
import { classifyFailure } from '../../api/request';
import type { PodList } from '../../api/types';
import { useLoad } from '../../components/common/useLoad';
import { EmptyState, ErrorState, Loading } from '../../components/common/PageStates';
import { Mono, Page, Section, useTableStyles } from '../../components/common/Page';
import { paths } from '../../paths';
import { formatBytes, formatPercent } from '../../format';
import { cpuProfileToFrame } from '../flameGraphFrame';
import {
  type AllocationRow,
  type HeapProfile,
  heapProfileApi,
  heapProfileToFrame,
  topAllocations,
} from '../heapProfile';

// The Profile page: capture a CPU profile of a chaincode pod through the exporter (its inspector, for
// a bounded time), then see it as a flame graph (@grafana/flamegraph) and as a table of the top
// functions at their source lines; a capture made with its heap profile also shows the sampled
// allocations by stack, as a flame graph in bytes and a table of the top allocating functions. Reached from a pod on the Chaincode pods page and from a
// transaction ("Profile this chaincode"); a profile's URL (?id=) can be shared.

const POLL_MS = 1000;

// @grafana/flamegraph 11.3 is typed against its own @grafana/data; in Grafana (and the webpack build) both
// are Grafana's one @grafana/data at run time, so the types are the same shapes, bridged here once. Only
// its flame graph is shown: its own top table uses @grafana/ui 11.3's Table, which 12.4's is not (React
// error 130 in Chromium); the page's top table, with source lines, stands in for it.
type FlameProps = React.ComponentProps<typeof FlameGraph>;
const theme = () => config.theme2 as unknown as ReturnType<FlameProps['getTheme']>;

export default function ProfilePage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const id = params.get('id') ?? undefined;
  const chaincode = params.get('chaincode') ?? undefined;
  const podParam = params.get('pod') ?? undefined;
  const tx = params.get('tx') ?? undefined;
  const channel = params.get('channel') ?? undefined;
  const pods = useLoad<PodList>(() => ledgerApi.pods(), []);
  const list = useLoad<ProfileList>(() => profileApi.list(), [id], POLL_MS * 5);

  const candidates = (pods.data?.pods ?? []).filter((p) => !chaincode || p.chaincode === chaincode);
  const profilable = candidates.filter((p) => typeof p.inspector === 'string');
  const [pod, setPod] = useState<string | undefined>(podParam);
  const chosen = pod ?? profilable[0]?.name;
  const limits = list.data?.limits;
  const [seconds, setSeconds] = useState<string>('10');
  const [heap, setHeap] = useState(false);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | undefined>();

  const capture = async () => {
    if (!chosen) {
      return;
    }
    setBusy(true);
    setFailure(undefined);
    try {
      const started = await profileApi.capture(chosen, Number(seconds), heap);
      navigate(paths.profile({ id: started.id, chaincode, tx, channel }));
    } catch (err) {
      setFailure(classifyFailure(err).message);
    } finally {
      setBusy(false);
    }
  };

  const captureForm = (
    <Section title="Capture a CPU profile">
      {pods.state === 'loading' ? (
        <Loading what="chaincode pods" />
      ) : pods.state === 'error' ? (
        <ErrorState error={pods.error} what="pods" onRetry={pods.reload} />
      ) : profilable.length === 0 ? (
        <Alert severity="info" title={`Profiling is off${chaincode ? ` for ${chaincode}` : ''}`}>
          No pod{chaincode ? ` of ${chaincode}` : ''} runs with its Node.js inspector. Add <code>profile: true</code> to
          the chaincode&apos;s entry in the network spec and run <code>mictract up</code> again: its replicas restart
          with the inspector on their own loopback address only.
        </Alert>
      ) : (
        <Stack direction="row" gap={2} alignItems="flex-end" wrap="wrap">
          <Field label="Pod">
            <Select
              width={40}
              aria-label="Pod"
              value={chosen}
              options={profilable.map((p) => ({ label: `${p.name} (${p.org})`, value: p.name }))}
              onChange={(v) => setPod(v.value)}
            />
          </Field>
          <Field
            label="Seconds"
            description={limits ? `${limits.minSeconds} to ${limits.maxSeconds}` : undefined}
            invalid={!validSeconds(seconds, limits)}
          >
            <Input
              width={10}
              aria-label="Seconds"
              value={seconds}
              onChange={(e) => setSeconds(e.currentTarget.value)}
            />
          </Field>
          <Field label="Heap">
            <Checkbox label="also a heap profile" value={heap} onChange={(e) => setHeap(e.currentTarget.checked)} />
          </Field>
          <Field label=" ">
            <Button icon="fire" disabled={busy || !validSeconds(seconds, limits)} onClick={capture}>
              {busy ? 'Starting…' : 'Capture profile'}
            </Button>
          </Field>
        </Stack>
      )}
      {failure && (
        <Alert severity="error" title="The capture was refused">
          {failure}
        </Alert>
      )}
    </Section>
  );

  return (
    <Page
      title="Profile"
      subTitle={
        <>
          A CPU profile of one chaincode pod, recorded by V8 through its Node.js inspector while it serves: where its
          time goes, by function and source line; with a heap profile, the sampled allocations it made while the capture
          ran, by stack.
          {tx && channel && (
            <div>
              From transaction <Link to={paths.transaction(channel, tx)}>{tx.slice(0, 12)}…</Link>
              {chaincode ? ` of ${chaincode}` : ''}
            </div>
          )}
        </>
      }
    >
      {captureForm}
      {id ? <ProfileView id={id} /> : <RecentProfiles list={list} chaincode={chaincode} />}
    </Page>
  );
}

function validSeconds(s: string, limits?: ProfileList['limits']): boolean {
  const n = Number(s);
  return Number.isInteger(n) && n >= (limits?.minSeconds ?? 1) && n <= (limits?.maxSeconds ?? 60);
}

function RecentProfiles({ list, chaincode }: { list: ReturnType<typeof useLoad<ProfileList>>; chaincode?: string }) {
  const s = useTableStyles();
  if (list.state === 'loading') {
    return <Loading what="profiles" />;
  }
  if (list.state === 'error') {
    return <ErrorState error={list.error} what="profiles" onRetry={list.reload} />;
  }
  const rows = list.data.profiles.filter((p) => !chaincode || p.chaincode === chaincode);
  if (rows.length === 0) {
    return (
      <EmptyState title="No profiles yet">
        Capture one above; the exporter keeps the newest {list.data.limits.maxProfiles}.
      </EmptyState>
    );
  }
  return (
    <Section title="Recent profiles">
      <table className={s.table} aria-label="Recent profiles">
        <thead>
          <tr>
            <th>Requested</th>
            <th>Pod</th>
            <th>Chaincode</th>
            <th className="num">Seconds</th>
            <th>State</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((p) => (
            <tr key={p.id}>
              <td>
                <Link to={paths.profile({ id: p.id })}>{p.requestedAt.replace('T', ' ').slice(0, 19)}</Link>
              </td>
              <td>
                <Mono>{p.pod}</Mono>
              </td>
              <td>{p.chaincode}</td>
              <td className="num">{p.seconds}</td>
              <td>{p.state === 'failed' ? `failed: ${p.error}` : p.state}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}

function ProfileView({ id }: { id: string }) {
  const meta = useLoad<ProfileMeta>(() => profileApi.get(id), [id], POLL_MS);
  const done = meta.data?.state === 'done';
  const cpu = useLoad<CpuProfile | undefined>(
    () => (done ? profileApi.cpuProfile(id) : Promise.resolve(undefined)),
    [id, done]
  );
  const frame = useMemo(() => (cpu.data ? (cpuProfileToFrame(cpu.data) as unknown) : undefined), [cpu.data]);
  const withHeap = done && meta.data?.heap === true;
  const heap = useLoad<HeapProfile | undefined>(
    () => (withHeap ? heapProfileApi.get(id) : Promise.resolve(undefined)),
    [id, withHeap]
  );
  const [view, setView] = useState<'cpu' | 'heap'>('cpu');
  if (meta.state === 'loading' && !meta.data) {
    return <Loading what="the profile" />;
  }
  if (!meta.data) {
    return <ErrorState error={meta.error} what="profile" onRetry={meta.reload} />;
  }
  const m = meta.data;
  if (m.state === 'capturing') {
    return <Loading what={`the profile of ${m.pod}: capturing for ${m.seconds} s`} />;
  }
  if (m.state === 'failed') {
    return (
      <Alert severity="error" title={`The capture of ${m.pod} failed`}>
        {m.error}
      </Alert>
    );
  }
  return (
    <>
      <Section title={`${m.pod} · ${m.chaincode} · ${m.org}`}>
        <div>
          {m.startedAt?.replace('T', ' ').slice(0, 19)} ·{' '}
          {m.report
            ? `${(m.report.durationMs / 1000).toFixed(1)} s, ${m.report.samples} samples, busy ${formatPercent(m.report.busyShare)}`
            : ''}
        </div>
      </Section>
      {m.heap && (
        <div style={{ marginBottom: 16 }}>
          <RadioButtonGroup
            aria-label="Profile"
            options={[
              { label: 'CPU time', value: 'cpu' },
              { label: 'Heap allocations', value: 'heap' },
            ]}
            value={view}
            onChange={setView}
          />
        </div>
      )}
      {view === 'heap' && m.heap ? (
        <HeapView heap={heap} />
      ) : (
        <>
          {m.report && <TopTable rows={m.report.bySelf} />}
          <Section title="Flame graph">
            {cpu.state === 'error' ? (
              <ErrorState error={cpu.error} what="CPU profile" onRetry={cpu.reload} />
            ) : frame ? (
              <div data-testid="flamegraph" style={{ minHeight: 400 }}>
                <FlameGraph data={frame as FlameProps['data']} getTheme={theme} showFlameGraphOnly />
              </div>
            ) : (
              <Loading what="the flame graph" />
            )}
          </Section>
        </>
      )}
    </>
  );
}

/** The heap profile: the top allocating functions and the allocation stacks as a flame graph (bytes). */
function HeapView({ heap }: { heap: ReturnType<typeof useLoad<HeapProfile | undefined>> }) {
  const frame = useMemo(() => (heap.data ? (heapProfileToFrame(heap.data) as unknown) : undefined), [heap.data]);
  const rows = useMemo(() => (heap.data ? topAllocations(heap.data) : []), [heap.data]);
  if (heap.state === 'error') {
    return <ErrorState error={heap.error} what="heap profile" onRetry={heap.reload} />;
  }
  if (!heap.data) {
    return <Loading what="the heap profile" />;
  }
  const samples = heap.data.samples ?? [];
  const bytes = samples.reduce((sum, x) => sum + x.size, 0);
  return (
    <>
      <Section title="Heap allocations">
        <div>
          {samples.length} sampled allocations, {formatBytes(bytes)}, made while the capture ran, freed since or not (V8
          samples one allocation per 32 KB on average, with its stack; sizes only, never a value).
        </div>
      </Section>
      <AllocationTable rows={rows} />
      <Section title="Allocations by stack">
        <div data-testid="heap-flamegraph" style={{ minHeight: 400 }}>
          <FlameGraph data={frame as FlameProps['data']} getTheme={theme} showFlameGraphOnly />
        </div>
      </Section>
    </>
  );
}

function TopTable({ rows }: { rows: ProfileRow[] }) {
  return (
    <FunctionTable
      title="Top functions by self time"
      label="Top functions"
      rows={rows.slice(0, 15).map((r) => ({
        functionName: r.functionName,
        self: `${r.selfMs.toFixed(1)} ms`,
        selfShare: r.selfShare,
        total: `${r.totalMs.toFixed(1)} ms`,
        totalShare: r.totalShare,
        source: `${r.location || '—'}${
          r.hotLocation && r.hotLocation !== r.location ? ` (hot line ${r.hotLocation.split(':').pop()})` : ''
        }`,
      }))}
    />
  );
}

function AllocationTable({ rows }: { rows: AllocationRow[] }) {
  return (
    <FunctionTable
      title="Top allocating functions"
      label="Top allocations"
      rows={rows.map((r) => ({
        functionName: r.functionName,
        self: formatBytes(r.selfBytes),
        selfShare: r.selfShare,
        total: formatBytes(r.totalBytes),
        totalShare: r.totalShare,
        source: r.location || '—',
      }))}
    />
  );
}

interface FunctionRow {
  functionName: string;
  self: string;
  selfShare: number;
  total: string;
  totalShare: number;
  source: string;
}

/** Functions with their self and total cost (time or bytes) and where they are. */
function FunctionTable({ title, label, rows }: { title: string; label: string; rows: FunctionRow[] }) {
  const s = useTableStyles();
  return (
    <Section title={title}>
      <table className={s.table} aria-label={label}>
        <thead>
          <tr>
            <th className="num">Self</th>
            <th className="num">Self %</th>
            <th className="num">Total</th>
            <th className="num">Total %</th>
            <th>Function</th>
            <th>Source</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={`${r.functionName}-${r.source}-${i}`}>
              <td className="num">{r.self}</td>
              <td className="num">{formatPercent(r.selfShare)}</td>
              <td className="num">{r.total}</td>
              <td className="num">{formatPercent(r.totalShare)}</td>
              <td>
                <Mono>{r.functionName}</Mono>
              </td>
              <td>
                <Mono>{r.source}</Mono>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}
