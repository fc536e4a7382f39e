import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Gauge, Registry } from 'prom-client';
import { CertificateTracker } from './certificatetracker';
import { fabricTools } from './testfabric';

describe('CertificateTracker', () => {
  let pems: Record<string, string>;
  beforeAll(async () => {
    const { config } = await fabricTools('2.5');
    const read = async (rel: string) => (await readFile(path.join(config, 'msp', rel))).toString();
    pems = { ca: await read('cacerts/cacert.pem'), tls: await read('tlscacerts/tlsroot.pem'), peer: await read('signcerts/peer.pem') };
  });

  const gauge = () => new Gauge({ name: 'x_expiry', help: 'x', labelNames: ['msp', 'role', 'subject', 'serial'] as const, registers: [new Registry()] });

  it("sets one series per certificate, MSP and role at the certificate's not-after time", async () => {
    const g = gauge();
    const t = new CertificateTracker(g);
    t.observe(pems.ca!, 'SampleOrg', 'ca', 'ch1');
    t.observe(pems.ca!, 'SampleOrg', 'ca', 'ch2');
    t.observe(pems.peer!, 'SampleOrg', 'creator', 'ch1');
    t.observe(pems.peer!, 'SampleOrg', 'endorser', 'ch1');
    const values = (await g.get()).values;
    expect(values).toHaveLength(3);
    const ca = new X509Certificate(pems.ca!);
    expect(values.find((v) => v.labels.role === 'ca')).toEqual({
      labels: { msp: 'SampleOrg', role: 'ca', subject: /CN=([^\n]*)/.exec(ca.subject)![1], serial: ca.serialNumber.toLowerCase() },
      value: Math.floor(ca.validToDate.getTime() / 1000),
    });
    expect(t.list().find((c) => c.role === 'ca')?.channels).toEqual(['ch1', 'ch2']);
  });

  it('stops tracking new certificates past its bound, and skips what does not parse', async () => {
    const g = gauge();
    const t = new CertificateTracker(g, 2);
    t.observe('not a certificate', 'M', 'creator', 'c');
    t.observe(pems.ca!, 'M', 'ca', 'c');
    t.observe(pems.tls!, 'M', 'tls_ca', 'c');
    expect((await g.get()).values).toHaveLength(1);
    expect(t.untracked).toBe(1);
    expect(t.list().map((c) => c.role)).toEqual(['ca']);
  });
});
