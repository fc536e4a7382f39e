import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildCcaasPackage, builderConfig, connectionTemplate, packageLabel } from './ccaaspackage';

// The package is checked with GNU tar and sha256sum, the tools an operator would reach for.

describe('CCaaS package', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mictract-ccaas-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('holds metadata.json and code.tar.gz (with connection.json) as regular files, as the peer requires', async () => {
    const pkg = await buildCcaasPackage('marbles', '1.0');
    const file = path.join(dir, 'marbles.tar.gz');
    await writeFile(file, pkg.bytes);
    const listing = execFileSync('tar', ['-tvzf', file], { encoding: 'utf8' }).trim().split('\n');
    expect(listing.map((l) => l.split(/\s+/).pop())).toEqual(['metadata.json', 'code.tar.gz']);
    expect(listing.every((l) => l.startsWith('-'))).toBe(true); // '-' = regular file
    execFileSync('tar', ['-xzf', file, '-C', dir]);
    expect(JSON.parse(await readFile(path.join(dir, 'metadata.json'), 'utf8'))).toEqual({ type: 'ccaas', label: 'marbles_1.0' });
    execFileSync('tar', ['-xzf', path.join(dir, 'code.tar.gz'), '-C', dir]);
    expect(JSON.parse(await readFile(path.join(dir, 'connection.json'), 'utf8'))).toEqual(connectionTemplate('marbles', 'blue'));
  });

  it('has the package ID label:sha256 of its bytes, the same on every build, new for a new version', async () => {
    const a = await buildCcaasPackage('marbles', '1.0');
    const file = path.join(dir, 'p.tar.gz');
    await writeFile(file, a.bytes);
    const sha = execFileSync('sha256sum', [file], { encoding: 'utf8' }).split(' ')[0];
    expect(a.packageId).toBe(`marbles_1.0:${sha}`);
    expect((await buildCcaasPackage('marbles', '1.0')).packageId).toBe(a.packageId);
    expect((await buildCcaasPackage('marbles', '1.1')).packageId).not.toBe(a.packageId);
  });

  it("templates every peer-specific field from the peer's builder config, for names with - and _ too", () => {
    expect(connectionTemplate('my-cc_2', 'green')).toMatchObject({ address: '{{index . "my-cc_2" "green"}}', root_cert: '{{index . "my-cc_2" "root_cert"}}', tls_required: true });
    const config = JSON.parse(builderConfig([{ chaincode: 'marbles', addresses: { blue: '127.0.0.1:17010', green: '127.0.0.1:17020' }, rootCertPem: '-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----\n' }]));
    expect(config).toEqual({ marbles: { blue: '127.0.0.1:17010', green: '127.0.0.1:17020', root_cert: '-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----\n' } });
  });

  it("refuses a label Fabric would refuse, saying what to change", () => {
    expect(() => packageLabel('marbles', '1.0--beta')).toThrow('package label "marbles_1.0--beta" breaks Fabric\'s label rule');
  });
});
