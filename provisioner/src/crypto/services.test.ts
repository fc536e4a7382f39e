import { stat } from 'node:fs/promises';
import { generateCrypto } from './generate';
import { servicePaths, tlsCaPaths } from './layout';
import { TWO_ORG_SPEC, openssl, tempRoot } from './testing';
import type { CryptoSpec } from './types';

// Chaincode servers are TLS services of their org: peers dial them at 127.0.0.1 and check the org's TLS CA.

const SPEC: CryptoSpec = { ...TWO_ORG_SPEC, orgs: TWO_ORG_SPEC.orgs.map((o) => ({ ...o, services: ['marbles'] })) };
const org1 = { kind: 'peer' as const, domain: 'org1.example.com' };
const org2 = { kind: 'peer' as const, domain: 'org2.example.com' };

describe('service TLS identities', () => {
  it("are server certificates from the org's TLS CA, valid for 127.0.0.1, with the key 0600", async () => {
    const { dir, cleanup } = await tempRoot();
    try {
      const summary = await generateCrypto(SPEC, dir);
      const { cn, tls } = servicePaths(dir, org1, 'marbles');
      expect(cn).toBe('marbles.org1.example.com');
      expect(summary.created).toContainEqual(expect.objectContaining({ cn, kind: 'tls', certPath: tls.cert }));
      expect(openssl(['verify', '-x509_strict', '-purpose', 'sslserver', '-CAfile', tlsCaPaths(dir, org1).cert, tls.cert]).ok).toBe(true);
      expect(openssl(['verify', '-CAfile', tlsCaPaths(dir, org2).cert, tls.cert]).ok).toBe(false);
      expect(openssl(['x509', '-in', tls.cert, '-noout', '-ext', 'subjectAltName']).output).toContain('IP Address:127.0.0.1');
      expect((await stat(tls.key)).mode & 0o777).toBe(0o600);
    } finally {
      await cleanup();
    }
  });

  it('must be DNS labels distinct from the peers', async () => {
    const clash: CryptoSpec = { ...TWO_ORG_SPEC, orgs: [{ ...TWO_ORG_SPEC.orgs[0]!, services: ['peer0'] }] };
    await expect(generateCrypto(clash, '/nonexistent')).rejects.toThrow("duplicate host or service in org1.example.com 'peer0'");
    const bad: CryptoSpec = { ...TWO_ORG_SPEC, orgs: [{ ...TWO_ORG_SPEC.orgs[0]!, services: ['my_cc'] }] };
    await expect(generateCrypto(bad, '/nonexistent')).rejects.toThrow("service 'my_cc' of org1.example.com is not a DNS label");
  });
});
