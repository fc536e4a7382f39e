/**
 * @jest-environment node
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ensureBuilt } from './ensureBuilt';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startDevHost, type DevHost } from '../devhost/devhost';
import { startObservedNetwork, waitFor, type ObservedNetwork } from '../scripts/observednetwork';

// Every page of the plugin rendered by headless Chromium against a live network — a real exporter,
// Prometheus and Jaeger with a marbles workload (startTestNetwork) — through the development host,
// with a screenshot of each under test-output/screenshots/. With MICTRACT_PLUGIN_NETWORK=<file> it
// uses a network scripts/livenetwork.ts keeps running instead of starting one. With
// MICTRACT_UPDATE_SCREENSHOTS=1 it also refreshes the catalogue screenshots in src/img/screenshots/.

const PLUGIN_DIR = path.resolve(__dirname, '..');
const SHOTS = path.resolve(PLUGIN_DIR, '../test-output/screenshots');
const CHROMIUM = '/usr/bin/chromium';

jest.setTimeout(600_000);

interface Live {
  apiUrl: string;
  prometheusUrl: string;
  jaegerUrl: string;
  channel: string;
  profileToken: string;
}

let net: ObservedNetwork | undefined;
let live: Live;
let host: DevHost;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

async function getJson(url: string): Promise<any> {
  const r = await fetch(url);
  if (!r.ok) {
    throw new Error(`${url}: HTTP ${r.status}`);
  }
  return r.json();
}

async function open(p: string, ready: string) {
  await page.goto(`${host.url}${p}`, { waitUntil: 'domcontentloaded' });
  await page.getByText(ready, { exact: false }).first().waitFor({ timeout: 60_000 });
  // let the remaining requests of the page settle (the live pages poll every 5 s)
  await page.waitForLoadState('networkidle', { timeout: 10_000 }).catch(() => undefined);
  await page.waitForTimeout(500);
}

async function shot(name: string) {
  const file = path.join(SHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  expect(await page.getByTestId('data-testid state-error').count()).toBe(0);
  return file;
}

const describeIf = existsSync(CHROMIUM) ? describe : describe.skip;

describeIf('the plugin in Chromium against a live network', () => {
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    ensureBuilt(PLUGIN_DIR);
    const file = process.env.MICTRACT_PLUGIN_NETWORK;
    if (file) {
      live = JSON.parse(readFileSync(file, 'utf8'));
    } else {
      net = await startObservedNetwork();
      live = net;
    }
    await waitFor(
      'conflicts, sidecar rates and a valid transferMarble',
      async () => {
        const c = await getJson(`${live.apiUrl}/channels/${live.channel}/conflicts`);
        const r = await getJson(
          `${live.prometheusUrl}/api/v1/query?query=${encodeURIComponent('sum(rate(mictract_chaincode_invocations_total[1m])) > 0')}`
        );
        return c.conflicts.length > 0 && r.data.result.length > 0;
      },
      300_000
    );
    host = await startDevHost({
      apiUrl: live.apiUrl,
      prometheusUrl: live.prometheusUrl,
      jaegerUrl: live.jaegerUrl,
      profileToken: live.profileToken,
      pluginDir: PLUGIN_DIR,
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    // a shared 2-core machine: the host page is a 17 MB bundle, and the network runs beside it
    page.setDefaultTimeout(120_000);
    page.setDefaultNavigationTimeout(120_000);
    page.on('pageerror', (e) => pageErrors.push(e.message));
  });

  afterAll(async () => {
    await browser?.close();
    await host?.close();
    await net?.stop();
  });

  afterEach(() => {
    expect(pageErrors).toEqual([]);
  });

  it('channel overview: heights, rate, validation codes, latest blocks', async () => {
    await open('/a/mictract-app/channels', 'Latest blocks');
    await page.getByRole('table', { name: 'Height per node' }).waitFor();
    await page.getByRole('table', { name: 'Validation codes' }).getByText('VALID', { exact: true }).waitFor();
    await shot('channel-overview');
  });

  it('blocks, paged, and a block with its transactions', async () => {
    await open(`/a/mictract-app/channels/${live.channel}/blocks`, 'Older');
    await shot('blocks');
    const blocks = await getJson(`${live.apiUrl}/channels/${live.channel}/blocks?limit=20`);
    const withTxs = blocks.blocks.find((b: any) => b.transactionCount > 2);
    await open(`/a/mictract-app/channels/${live.channel}/blocks/${withTxs.number}`, withTxs.headerHash);
    await page.getByText('verified', { exact: true }).first().waitFor();
    await shot('block');
  });

  async function findTx(code: string): Promise<any> {
    const blocks = await getJson(`${live.apiUrl}/channels/${live.channel}/blocks?limit=50`);
    for (const b of blocks.blocks) {
      const block = await getJson(`${live.apiUrl}/channels/${live.channel}/blocks/${b.number}`);
      const tx = block.transactions.find((t: any) => t.validationCode === code && t.function !== 'initMarble');
      if (tx) {
        return tx;
      }
    }
    throw new Error(`no ${code} transaction in the latest 50 blocks`);
  }

  it('a transaction: code explained, rw-set, and a trace link whose trace exists in Jaeger', async () => {
    const tx = await findTx('VALID');
    await open(`/a/mictract-app/channels/${live.channel}/transactions/${tx.txId}`, 'Read/write set');
    const href = await page.getByRole('link', { name: 'Open trace' }).getAttribute('href');
    const panes = JSON.parse(new URL(href!, host.url).searchParams.get('panes')!);
    const traceId = panes.t.queries[0].query;
    expect(traceId).toBe(tx.txId.slice(0, 32));
    // the exporter's transaction span is in Jaeger under that trace ID
    await waitFor(
      'the trace in Jaeger',
      async () => (await fetch(`${live.jaegerUrl}/api/v3/traces/${traceId}`)).ok,
      60_000
    );
    await shot('transaction');

    await page.getByRole('main').getByRole('link', { name: 'Chaincode pods' }).click();
    await page.getByRole('table', { name: 'Chaincode pods' }).waitFor({ timeout: 60_000 });
    await page.waitForTimeout(1500);
    expect(page.url()).toContain('/a/mictract-app/pods?chaincode=marbles');
    await shot('chaincode-pods-of-transaction');
  });

  it('a transaction invalidated by an MVCC read conflict', async () => {
    const tx = await findTx('MVCC_READ_CONFLICT');
    await open(
      `/a/mictract-app/channels/${live.channel}/transactions/${tx.txId}`,
      'A key this transaction read was changed'
    );
    await shot('transaction-conflict');
  });

  it('search by tx ID lands on the transaction; by number on the block', async () => {
    const tx = await findTx('VALID');
    await open('/a/mictract-app/search', 'Search the ledger');
    await shot('search');
    await page.getByLabel('Transaction ID or block number').fill(tx.txId);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('Read/write set').waitFor({ timeout: 60_000 });
    expect(page.url()).toContain(`/transactions/${tx.txId}`);
    await open('/a/mictract-app/search?q=1', 'Header');
    expect(page.url()).toContain(`/channels/${live.channel}/blocks/1`);
  });

  it('key history, top conflicting keys, certificates', async () => {
    const conflicts = await getJson(`${live.apiUrl}/channels/${live.channel}/conflicts`);
    const top = conflicts.conflicts[0];
    await open(`/a/mictract-app/channels/${live.channel}/conflicts`, top.key);
    await shot('conflicts');
    await page.getByRole('link', { name: top.key }).first().click();
    await page.getByRole('table', { name: 'Key history' }).waitFor({ timeout: 60_000 });
    await shot('key-history');
    await open('/a/mictract-app/certificates', 'Org1MSP');
    await shot('certificates');
  });

  it('chaincode pods with their sidecar metrics', async () => {
    await open('/a/mictract-app/pods', 'Running');
    await page.waitForTimeout(1000);
    await shot('chaincode-pods');
  });

  it('profile: a capture of a marbles pod through the capture route, as a top table and a flame graph, and its heap profile', async () => {
    await open('/a/mictract-app/profile?chaincode=marbles', 'Capture a CPU profile');
    await page.getByLabel('Seconds').fill('3');
    await page.getByLabel('also a heap profile').check({ force: true });
    await page.getByRole('button', { name: /Capture profile/ }).click();
    await page.getByRole('table', { name: 'Top functions' }).waitFor({ timeout: 120_000 });
    await page.getByTestId('flamegraph').locator('canvas').first().waitFor();
    expect(page.url()).toMatch(/\/a\/mictract-app\/profile\?id=[0-9a-f]{16}/);
    await page.waitForTimeout(500);
    await shot('profile');
    // the same capture's sampling heap profile: allocations by function and by stack
    await page.getByRole('radio', { name: 'Heap allocations' }).check({ force: true });
    await page.getByTestId('heap-flamegraph').locator('canvas').first().waitFor({ timeout: 60_000 });
    await page.getByText(/\d+ sampled allocations/).waitFor();
    await page.waitForTimeout(500);
    await shot('profile-heap');
  });

  it('configuration: Save & test says each dependency works', async () => {
    await open('/plugins/mictract-app', 'Ledger API URL');
    await page.getByRole('button', { name: /Save & test/ }).click();
    await page.getByText(/^Connected: /).waitFor({ timeout: 60_000 });
    await page.getByText(/Prometheus scrapes the exporter and \d+ chaincode pods/).waitFor();
    await page.getByText('Jaeger (jaeger) is healthy.').waitFor();
    await shot('configuration');
  });

  it('says what is wrong when the ledger API URL is wrong', async () => {
    await open('/plugins/mictract-app', 'Ledger API URL');
    const input = page.getByTestId('data-testid ac-api-url');
    await input.fill('http://127.0.0.1:1/api/v1');
    await page.getByRole('button', { name: /Save & test/ }).click();
    await page.getByText(/Grafana cannot connect to http:\/\/127.0.0.1:1\/api\/v1/).waitFor({ timeout: 60_000 });
    await page.screenshot({ path: path.join(SHOTS, 'configuration-unreachable.png'), fullPage: true });
    await open('/a/mictract-app/channels', 'Cannot reach the Mictract exporter');
    await page.screenshot({ path: path.join(SHOTS, 'overview-exporter-unreachable.png'), fullPage: true });
    // put it back
    await open('/plugins/mictract-app', 'Ledger API URL');
    await page.getByTestId('data-testid ac-api-url').fill(live.apiUrl);
    await page.getByRole('button', { name: /Save & test/ }).click();
    await page.getByText(/^Connected: /).waitFor({ timeout: 60_000 });
  });

  afterAll(() => {
    if (process.env.MICTRACT_UPDATE_SCREENSHOTS === '1') {
      for (const name of ['channel-overview', 'transaction', 'chaincode-pods']) {
        copyFileSync(path.join(SHOTS, `${name}.png`), path.join(PLUGIN_DIR, 'src/img/screenshots', `${name}.png`));
      }
    }
  });
});
