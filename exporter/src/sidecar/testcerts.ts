// Test and bench support (not used by the sidecar): throwaway TLS material made by the system
// openssl. A CA, a server certificate for 127.0.0.1/localhost, a client certificate (the peer's, for
// client auth) and an identity certificate for proposal creators, all EC P-256.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface TestCerts {
  readonly dir: string;
  readonly caCert: Buffer;
  readonly serverCert: Buffer;
  readonly serverKey: Buffer;
  readonly clientCert: Buffer;
  readonly clientKey: Buffer;
  /** PEM of a certificate to put in a SerializedIdentity as the proposal's creator. */
  readonly creatorCert: Buffer;
  /** Paths of the same files, for flags. */
  readonly files: { caCert: string; serverCert: string; serverKey: string; clientCert: string; clientKey: string };
  remove(): void;
}

function openssl(dir: string, args: string[]): void {
  try {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    throw new Error(`openssl ${args.join(' ')} failed (the sidecar's tests need the system openssl): ${(err as { stderr?: Buffer }).stderr?.toString() ?? String(err)}`);
  }
}

function issue(dir: string, name: string, subject: string, ext: string): void {
  openssl(dir, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`]);
  openssl(dir, ['req', '-new', '-key', `${name}.key`, '-subj', subject, '-out', `${name}.csr`]);
  writeFileSync(path.join(dir, `${name}.ext`), ext);
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.crt`]);
}

export function makeTestCerts(): TestCerts {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mictract-sidecar-certs-'));
  openssl(dir, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key']);
  openssl(dir, ['req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=mictract test CA', '-days', '2', '-out', 'ca.crt']);
  issue(dir, 'server', '/CN=marbles-sidecar', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  issue(dir, 'client', '/CN=peer0.org1.example.com', 'extendedKeyUsage=clientAuth\n');
  issue(dir, 'creator', '/CN=User1@org1.example.com/OU=client', 'keyUsage=digitalSignature\n');
  const f = (name: string) => path.join(dir, name);
  const files = { caCert: f('ca.crt'), serverCert: f('server.crt'), serverKey: f('server.key'), clientCert: f('client.crt'), clientKey: f('client.key') };
  return {
    dir,
    caCert: readFileSync(files.caCert),
    serverCert: readFileSync(files.serverCert),
    serverKey: readFileSync(files.serverKey),
    clientCert: readFileSync(files.clientCert),
    clientKey: readFileSync(files.clientKey),
    creatorCert: readFileSync(f('creator.crt')),
    files,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
