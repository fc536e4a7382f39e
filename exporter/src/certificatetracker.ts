import { X509Certificate } from 'node:crypto';
import type { Gauge } from 'prom-client';
import type { CertificateRole } from './decodedblock';

// Every certificate the exporter has seen: the CA, intermediate, TLS CA and admin certificates of each
// channel configuration, and each transaction's creator and endorsers. Each (MSP, role, certificate)
// becomes one series of mictract_certificate_expiry_timestamp_seconds, so an alert can say "expires
// in 14 days". Bounded: past `maxCertificates` new ones are not tracked (and counted in `untracked`).

export interface TrackedCertificate {
  readonly mspId: string;
  readonly role: CertificateRole;
  /** The subject's common name (or the whole subject when it has none), cut to 64 characters. */
  readonly subject: string;
  readonly issuer: string;
  /** Hex serial number. */
  readonly serial: string;
  readonly fingerprint256: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly notAfterSeconds: number;
  readonly channels: string[];
}

const MAX_LABEL = 64;

function commonName(dn: string): string {
  const cn = /(?:^|\n)CN=([^\n]*)/.exec(dn)?.[1] ?? dn.replace(/\n/g, ', ');
  return cn.length > MAX_LABEL ? cn.slice(0, MAX_LABEL) : cn;
}

export class CertificateTracker {
  /** By PEM (usually the decoder's shared string, so its hash is computed once), then by role and MSP. */
  private readonly byPem = new Map<string, Map<string, TrackedCertificate | null>>();
  private size = 0;
  private untrackedCount = 0;

  constructor(
    private readonly gauge?: Gauge<'msp' | 'role' | 'subject' | 'serial'>,
    private readonly maxCertificates = 2000,
  ) {}

  /** Notes a certificate (PEM). Unparseable ones are remembered as such and skipped. */
  observe(pem: string, mspId: string, role: CertificateRole, channel: string): void {
    let forPem = this.byPem.get(pem);
    const key = `${role}\u0000${mspId}`;
    const known = forPem?.get(key);
    if (known !== undefined) {
      if (known && known.channels[known.channels.length - 1] !== channel && !known.channels.includes(channel)) known.channels.push(channel);
      return;
    }
    if (this.size >= this.maxCertificates) {
      this.untrackedCount++;
      return;
    }
    let cert: X509Certificate | undefined;
    try {
      cert = new X509Certificate(pem);
    } catch {
      cert = undefined;
    }
    if (!forPem) this.byPem.set(pem, (forPem = new Map()));
    this.size++;
    if (!cert) {
      forPem.set(key, null);
      return;
    }
    const notAfterSeconds = Math.floor(cert.validToDate.getTime() / 1000);
    const tracked: TrackedCertificate = {
      mspId,
      role,
      subject: commonName(cert.subject),
      issuer: commonName(cert.issuer),
      serial: cert.serialNumber.toLowerCase().slice(0, MAX_LABEL),
      fingerprint256: cert.fingerprint256,
      notBefore: cert.validFromDate.toISOString(),
      notAfter: cert.validToDate.toISOString(),
      notAfterSeconds,
      channels: [channel],
    };
    forPem.set(key, tracked);
    this.gauge?.set({ msp: mspId, role, subject: tracked.subject, serial: tracked.serial }, notAfterSeconds);
  }

  /** The certificates tracked, soonest expiry first. */
  list(): TrackedCertificate[] {
    return [...this.byPem.values()]
      .flatMap((m) => [...m.values()])
      .filter((c): c is TrackedCertificate => c !== null)
      .sort((a, b) => a.notAfterSeconds - b.notAfterSeconds);
  }

  /** Certificates seen after the bound was reached. */
  get untracked(): number {
    return this.untrackedCount;
  }
}
