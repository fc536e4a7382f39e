import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { SpecError, loadSpec } from '../networkspec';
import { clusterManifests } from './clustermanifests';
import { TEST_CORE_YAML, loadTestSpec, removeTempHomes, tempHome, writeSpec } from './testspecs';
import { renderTo } from './render';

// A spec that cannot be deployed on Kubernetes fails before anything is written (no crypto folder,
// no rendered file) or applied, naming the field and the fix.

afterAll(removeTempHomes);

async function refusal(over: Record<string, unknown>, opts: { namespace?: string } = {}): Promise<{ err: SpecError; home: string }> {
  const home = await tempHome();
  let err: unknown;
  try {
    const loaded = await loadSpec(await writeSpec(over));
    await clusterManifests(loaded, { home, coreYaml: TEST_CORE_YAML, ...opts });
  } catch (e) {
    err = e;
  }
  if (!(err instanceof SpecError)) throw new Error(`expected a SpecError, got ${String(err)}`);
  // nothing written: no crypto folder, no network folder at all
  expect(await readdir(home)).not.toContain('networks');
  return { err, home };
}

describe('a spec that cannot be deployed on Kubernetes', () => {
  it('is refused when a name would not make a Service name (a DNS label starting with a letter, at most 63 characters)', async () => {
    const long = 'a'.repeat(60);
    const { err } = await refusal({ chaincodes: [{ name: long, version: '1.0' }] });
    expect(err.issues).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'chaincodes[0].name', message: expect.stringContaining('at most 63') })]));
    const digit = await refusal({ chaincodes: [{ name: '9lives', version: '1.0' }] });
    expect(digit.err.message).toMatch(/chaincodes\[0\]\.name: becomes the Kubernetes Service name "9lives-blue-org1".*starting with a letter/);
  });

  it('is refused with zero replicas or an empty image (by the spec schema, before anything else)', async () => {
    await expect(loadTestSpec({ chaincodes: [{ name: 'marbles', version: '1.0', replicas: 0 }] })).rejects.toThrow(/chaincodes\[0\]\.replicas: must be at least 1/);
    await expect(loadTestSpec({ kubernetes: { images: { peer: '' } } })).rejects.toThrow(/kubernetes\.images\.peer: must not be empty/);
    await expect(loadTestSpec({ kubernetes: { images: { sidecar: 'two words' } } })).rejects.toThrow(/kubernetes\.images\.sidecar: must be one image reference without spaces/);
  });

  it('is refused with a namespace that is not a DNS label, from the spec or --namespace', async () => {
    await expect(loadTestSpec({ kubernetes: { namespace: 'Prod_1' } })).rejects.toThrow(/kubernetes\.namespace: must be a DNS label/);
    const { err } = await refusal({}, { namespace: 'No_Such' });
    expect(err.message).toMatch(/is the namespace, which must be a DNS label/);
  });

  it('is refused when an image is given for a chaincode the spec does not have', async () => {
    const { err } = await refusal({ kubernetes: { images: { chaincodes: { marbels: 'x/y:1' } } } });
    expect(err.issues).toEqual([expect.objectContaining({ field: 'kubernetes.images.chaincodes.marbels', message: expect.stringContaining('known: marbles') })]);
  });
});

describe('render', () => {
  it('writes one file per object in apply order and a kustomization; Secrets 0600; a re-render drops what is gone', async () => {
    const home = await tempHome();
    const dir = path.join(home, 'manifests');
    const first = await clusterManifests(await loadTestSpec(), { home, coreYaml: TEST_CORE_YAML });
    const files = await renderTo(dir, first.objects);
    expect(files).toHaveLength(first.objects.length);
    expect(files[0]).toBe('00-serviceaccount-mictract-exporter.yaml');
    expect(files.at(-1)).toBe(`${String(files.length - 1).padStart(2, '0')}-deployment-mictract-exporter.yaml`);
    expect((await readdir(dir)).sort()).toEqual([...files, 'kustomization.yaml'].sort());
    for (const f of files.filter((x) => x.includes('-secret-'))) expect((await stat(path.join(dir, f))).mode & 0o777).toBe(0o600);
    // each org's balancer comes after its replicas: Services before Deployments, the replicas' headless Service among them
    expect(files).toEqual(expect.arrayContaining([expect.stringMatching(/^\d\d-service-marbles-blue-org1-replicas\.yaml$/), expect.stringMatching(/^\d\d-deployment-marbles-blue-org1-balancer\.yaml$/)]));
    const smaller = await clusterManifests(await loadTestSpec({ observability: false }), { home, coreYaml: TEST_CORE_YAML });
    const again = await renderTo(dir, smaller.objects);
    expect((await readdir(dir)).sort()).toEqual([...again, 'kustomization.yaml'].sort());
    expect(again.some((f) => f.includes('mictract-exporter'))).toBe(false);
  }, 30_000);
});
