import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import https from 'node:https';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { freePort } from '../testing/wait';
import { until } from '../until';
import { type Cluster, connectCluster } from './cluster';
import type { KubeConfig } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import { type ControlPlanePki, writeControlPlanePki } from './controlplanepki';
import { k8s } from './k8sclient';

// A real Kubernetes control plane without containers, for tests and the bench: etcd (no fsync),
// kube-apiserver on 127.0.0.1 (RBAC on, self-made certificates), kube-controller-manager and
// kube-scheduler under their own identities, and kwok, which plays the kubelet for nodes annotated
// kwok.x-k8s.io/node=fake: their pods are scheduled, get an IP and turn Running and Ready, though no
// container runs. Binaries: tools/kubernetes/build.sh (cached); DESIGN.md lists the flags that matter.

const BUILD_SH = path.resolve(__dirname, '../../../tools/kubernetes/build.sh');
const TOOLS_DIR = path.dirname(BUILD_SH);

export const FAKE_NODE_ANNOTATION = 'kwok.x-k8s.io/node';
const SERVICE_CIDR = '10.96.0.0/16';
const SERVICE_IP = '10.96.0.1';

export interface TestCluster {
  readonly kubeconfig: string;
  readonly server: string;
  readonly dir: string;
  readonly pki: ControlPlanePki;
  /** Seconds from start to each milestone (etcd, apiserver, ready). */
  readonly timings: Record<string, number>;
  connect(): Cluster;
  /** A KubeConfig that authenticates as a ServiceAccount, with a 10-minute token the API server issues for it. */
  asServiceAccount(namespace: string, name: string): Promise<KubeConfig>;
  /** Adds fake nodes (kwok runs their pods) and waits until they are Ready. */
  addNodes(count: number, prefix?: string): Promise<string[]>;
  /** Makes hostPath PersistentVolumes of storageClassName `storageClass` for StatefulSet claims to bind to. */
  addVolumes(count: number, storageClass: string, size?: string): Promise<void>;
  stop(): Promise<void>;
}

/** The folder with kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, etcd and kwok (builds them on first use: 20-40 min cold). */
export async function kubernetesBin(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (env.MICTRACT_KUBERNETES_BIN) return env.MICTRACT_KUBERNETES_BIN;
  // a build under way (another test run, or by hand) must not be restarted from scratch by a second one
  const cache = path.join(env.MICTRACT_CACHE_DIR ?? path.join(env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'mictract'), 'kubernetes');
  for (const d of await readdir(cache).catch(() => [] as string[])) {
    if (!d.endsWith('.tmp')) continue;
    const log = path.join(cache, d, 'build.log');
    const age = Date.now() - (await stat(log).then((s) => s.mtimeMs, () => 0));
    if (age < 15 * 60_000) throw new Error(`the control plane is being built (${log}, written ${Math.round(age / 1000)} s ago); run this when tools/kubernetes/build.sh has finished`);
  }
  const { stdout } = await promisify(execFile)(BUILD_SH, [], { maxBuffer: 1 << 20, timeout: 3_600_000 });
  return stdout.trim();
}

/** Where Go's module cache holds the kwok version tools/kubernetes/go.mod pins. */
async function kwokModule(): Promise<string> {
  const gomod = await readFile(path.join(TOOLS_DIR, 'go.mod'), 'utf8');
  const version = /sigs\.k8s\.io\/kwok (v\S+)/.exec(gomod)?.[1];
  if (!version) throw new Error(`no sigs.k8s.io/kwok in ${TOOLS_DIR}/go.mod`);
  const { stdout } = await promisify(execFile)('go', ['env', 'GOMODCACHE']);
  return path.join(stdout.trim(), `sigs.k8s.io/kwok@${version}`);
}

/** kwok's stage configs (node-initialize, node-heartbeat-with-lease, pod-ready, pod-complete, pod-delete) from its module, as one file. */
async function kwokStages(dir: string): Promise<string> {
  const root = path.join(await kwokModule(), 'kustomize/stage');
  const files = ['node/fast/node-initialize.yaml', 'node/heartbeat-with-lease/node-heartbeat-with-lease.yaml', 'pod/fast/pod-ready.yaml', 'pod/fast/pod-complete.yaml', 'pod/fast/pod-delete.yaml'];
  const docs = await Promise.all(files.map((f) => readFile(path.join(root, f), 'utf8')));
  const file = path.join(dir, 'kwok-stages.yaml');
  await writeFile(file, docs.map((d) => d.trim()).join('\n---\n') + '\n');
  return file;
}

interface Proc {
  readonly name: string;
  readonly child: ChildProcess;
  readonly log: string;
  exited: boolean;
}

async function tail(file: string, lines = 25): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-lines).map((l) => `  | ${l}`).join('\n');
}

function getStatus(url: string, tls?: { ca: Buffer; cert: Buffer; key: Buffer }): Promise<number> {
  return new Promise((resolve) => {
    const req = (tls ? https : http).get(url, { ...(tls ?? {}), timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
  });
}

/** kwok's CustomResourceDefinitions for PortForward and ClusterPortForward, from its module. */
async function kwokPortForwardCrds(): Promise<Record<string, unknown>[]> {
  const root = path.join(await kwokModule(), 'kustomize/crd/bases');
  const files = ['kwok.x-k8s.io_portforwards.yaml', 'kwok.x-k8s.io_clusterportforwards.yaml'];
  return Promise.all(files.map(async (f) => parse(await readFile(path.join(root, f), 'utf8')) as Record<string, unknown>));
}

export interface TestClusterOptions {
  bin?: string;
  dir?: string;
  /**
   * Installs kwok's PortForward and ClusterPortForward CRDs and has kwok watch them, so that
   * pods/portforward on a kwok pod reaches the address a PortForward names (see portforward.ts).
   */
  portForwards?: boolean;
}

export async function startTestCluster(opts: TestClusterOptions = {}): Promise<TestCluster> {
  const t0 = Date.now();
  const timings: Record<string, number> = {};
  const mark = (what: string) => (timings[what] = (Date.now() - t0) / 1000);
  const bin = opts.bin ?? (await kubernetesBin());
  const dir = opts.dir ?? (await mkdtemp(path.join(os.tmpdir(), 'mictract-cp-')));
  await mkdir(dir, { recursive: true });
  const procs: Proc[] = [];
  const start = (name: string, program: string, args: string[]): Proc => {
    const log = path.join(dir, `${name}.log`);
    const out = createWriteStream(log);
    const child = spawn(path.join(bin, program), args, { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir } });
    child.stdout!.pipe(out);
    child.stderr!.pipe(out);
    const p: Proc = { name, child, log, exited: false };
    child.on('exit', () => (p.exited = true));
    procs.push(p);
    return p;
  };
  const stop = async () => {
    for (const p of [...procs].reverse()) if (!p.exited) p.child.kill('SIGTERM');
    await until(() => procs.every((p) => p.exited), 'control plane stops', 10_000).catch(() => {
      for (const p of procs) if (!p.exited) p.child.kill('SIGKILL');
    });
    await rm(dir, { recursive: true, force: true });
  };
  const waitFor = (p: Proc, check: () => Promise<boolean>, what: string, ms: number) =>
    until(async () => {
      if (p.exited) throw new Error(`${p.name} exited (${p.child.exitCode}) during start-up; its log (${p.log}):\n${await tail(p.log)}`);
      return check();
    }, async () => `${what}: not within ${ms} ms; ${p.name}'s log (${p.log}):\n${await tail(p.log)}`, ms);

  try {
    const [etcdClient, etcdPeer, apiPort, cmPort, schedPort, kwokPort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort(), freePort()]);
    const server = `https://127.0.0.1:${apiPort}`;
    const pki = await writeControlPlanePki(dir, server, SERVICE_IP);
    const stages = await kwokStages(dir);

    const etcdUrl = `http://127.0.0.1:${etcdClient}`;
    const etcd = start('etcd', 'etcd', [
      '--name=default',
      `--data-dir=${path.join(dir, 'etcd')}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-cluster=default=http://127.0.0.1:${etcdPeer}`,
      '--unsafe-no-fsync',
      '--log-level=warn',
    ]);
    await waitFor(etcd, async () => (await getStatus(`${etcdUrl}/health`)) === 200, 'etcd /health', 30_000);
    mark('etcd');

    const apiserver = start('kube-apiserver', 'kube-apiserver', [
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      // the default reconciler refuses a loopback advertise address ("may not be in the loopback range")
      '--endpoint-reconciler-type=none',
      `--cert-dir=${dir}`,
      `--tls-cert-file=${pki.serverCert}`,
      `--tls-private-key-file=${pki.serverKey}`,
      `--client-ca-file=${pki.caCert}`,
      // without it the controllers log missing-CA-bundle errors
      `--requestheader-client-ca-file=${pki.frontProxyCaCert}`,
      '--authorization-mode=RBAC',
      `--service-account-key-file=${pki.serviceAccountPub}`,
      `--service-account-signing-key-file=${pki.serviceAccountKey}`,
      '--service-account-issuer=https://kubernetes.default.svc',
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      // kwok serves the kubelet API (port-forward, logs, exec) for its nodes at 127.0.0.1:kwokPort
      // (their InternalIP and daemonEndpoints: --node-ip and --node-port below), with the API server's
      // certificate, which the API server checks against the CA (without a CA it would not check)
      '--kubelet-preferred-address-types=InternalIP',
      `--kubelet-certificate-authority=${pki.caCert}`,
      `--kubelet-client-certificate=${pki.adminCert}`,
      `--kubelet-client-key=${pki.adminKey}`,
      '--profiling=false',
    ]);
    const tls = { ca: await readFile(pki.caCert), cert: await readFile(pki.adminCert), key: await readFile(pki.adminKey) };
    await waitFor(apiserver, async () => (await getStatus(`${server}/readyz`, tls)) === 200, 'kube-apiserver /readyz', 90_000);
    mark('apiserver');

    const kubeconfigFlags = (k: string) => [`--kubeconfig=${k}`, `--authentication-kubeconfig=${k}`, `--authorization-kubeconfig=${k}`];
    start('kube-controller-manager', 'kube-controller-manager', [
      ...kubeconfigFlags(pki.kubeconfigs.controllerManager),
      '--leader-elect=false',
      '--bind-address=127.0.0.1',
      `--secure-port=${cmPort}`,
      '--use-service-account-credentials=true',
      `--service-account-private-key-file=${pki.serviceAccountKey}`,
      `--root-ca-file=${pki.caCert}`,
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      '--profiling=false',
    ]);
    if (opts.portForwards) {
      const c0 = connectCluster({ kubeconfig: pki.kubeconfigs.admin });
      const crds = await kwokPortForwardCrds();
      for (const crd of crds) await c0.objects.create(crd as never);
      await until(async () => {
        const got = await Promise.all(crds.map((crd) => c0.objects.read(crd as never).catch(() => undefined)));
        return got.every((g) => ((g as { status?: { conditions?: { type: string; status: string }[] } } | undefined)?.status?.conditions ?? []).some((x) => x.type === 'Established' && x.status === 'True'));
      }, 'kwok PortForward CRDs established', 30_000);
    }
    start('kube-scheduler', 'kube-scheduler', [...kubeconfigFlags(pki.kubeconfigs.scheduler), '--leader-elect=false', '--bind-address=127.0.0.1', `--secure-port=${schedPort}`, '--profiling=false']);
    const kwok = start('kwok', 'kwok', [
      `--kubeconfig=${pki.kubeconfigs.admin}`,
      `--config=${stages}`,
      '--manage-all-nodes=false',
      `--manage-nodes-with-annotation-selector=${FAKE_NODE_ANNOTATION}=fake`,
      '--node-lease-duration-seconds=40',
      `--server-address=127.0.0.1:${kwokPort}`,
      `--tls-cert-file=${pki.serverCert}`,
      `--tls-private-key-file=${pki.serverKey}`,
      '--node-ip=127.0.0.1',
      `--node-port=${kwokPort}`,
      ...(opts.portForwards ? ['--enable-crds=PortForward,ClusterPortForward'] : []),
      '--cidr=10.244.0.1/16',
    ]);

    const kc = pki.kubeconfigs.admin;
    const connect = () => connectCluster({ kubeconfig: kc });
    const c = connect();
    // the controllers are up when the service-account controller has made `default` in a namespace
    await waitFor(kwok, async () => (await c.objects.list('v1', 'ServiceAccount', 'default').then((l) => l.items.length, () => 0)) > 0, 'controller-manager (default ServiceAccount)', 60_000);
    mark('controllers');

    const cluster: TestCluster = {
      kubeconfig: kc,
      server,
      dir,
      pki,
      timings,
      connect,
      async asServiceAccount(namespace, name) {
        const token = (await c.kc.makeApiClient(k8s.CoreV1Api).createNamespacedServiceAccountToken({ name, namespace, body: { spec: { audiences: [], expirationSeconds: 600 } } })).status?.token;
        if (!token) throw new Error(`no token for ServiceAccount ${namespace}/${name}`);
        const kc = new k8s.KubeConfig();
        kc.loadFromOptions({
          clusters: [{ name: 'test', server, caFile: pki.caCert, skipTLSVerify: false }],
          users: [{ name, token }],
          contexts: [{ name, cluster: 'test', user: name }],
          currentContext: name,
        });
        return kc;
      },
      async addNodes(count, prefix = 'kwok-node') {
        const names = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
        const resources = { cpu: '32', memory: '256Gi', pods: '110' };
        await Promise.all(
          names.map((name) =>
            c.objects.create({
              apiVersion: 'v1',
              kind: 'Node',
              metadata: { name, annotations: { [FAKE_NODE_ANNOTATION]: 'fake', 'node.alpha.kubernetes.io/ttl': '0' }, labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', type: 'kwok' } },
              spec: {},
              status: { allocatable: resources, capacity: resources },
            } as never),
          ),
        );
        await waitFor(kwok, async () => {
          const nodes = (await c.objects.list('v1', 'Node')).items as { metadata?: { name?: string }; status?: { conditions?: { type: string; status: string }[] }; spec?: { taints?: unknown[] } }[];
          return names.every((n) => {
            const node = nodes.find((x) => x.metadata?.name === n);
            return node?.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True') && !(node.spec?.taints ?? []).length;
          });
        }, `nodes ${names.join(', ')} Ready`, 60_000);
        return names;
      },
      async addVolumes(count, storageClass, size = '100Gi') {
        await Promise.all(
          Array.from({ length: count }, (_, i) =>
            c.objects.create({
              apiVersion: 'v1',
              kind: 'PersistentVolume',
              metadata: { name: `${storageClass}-${i}-${Date.now().toString(36)}` },
              spec: { capacity: { storage: size }, accessModes: ['ReadWriteOnce'], storageClassName: storageClass, persistentVolumeReclaimPolicy: 'Retain', hostPath: { path: path.join(dir, 'volumes', `${storageClass}-${i}`) } },
            } as never),
          ),
        );
      },
      stop,
    };
    mark('ready');
    return cluster;
  } catch (err) {
    await stop();
    throw err;
  }
}
