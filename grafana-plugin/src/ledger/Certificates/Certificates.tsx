import React from 'react';
import { Badge } from '@grafana/ui';
import { ledgerApi } from '../../api/ledgerApi';
import type { Certificate } from '../../api/types';
import { useLoad } from '../../components/common/useLoad';
import { EmptyState, ErrorState, Loading } from '../../components/common/PageStates';
import { Mono, Page, useTableStyles } from '../../components/common/Page';
import { formatTime, relativeDays } from '../../format';

export type ExpiryLevel = 'expired' | 'critical' | 'warning' | 'ok';

/** expired; under 14 days (the alert rule's threshold); under 30 days; later. */
export function expiryLevel(notAfterSeconds: number, nowMs: number): ExpiryLevel {
  const left = notAfterSeconds * 1000 - nowMs;
  if (left <= 0) {
    return 'expired';
  }
  if (left < 14 * 86_400_000) {
    return 'critical';
  }
  if (left < 30 * 86_400_000) {
    return 'warning';
  }
  return 'ok';
}

const COLOR: Record<ExpiryLevel, 'red' | 'orange' | 'green'> = {
  expired: 'red',
  critical: 'red',
  warning: 'orange',
  ok: 'green',
};

export function sortByExpiry(certs: readonly Certificate[]): Certificate[] {
  return [...certs].sort((a, b) => a.notAfterSeconds - b.notAfterSeconds || a.mspId.localeCompare(b.mspId));
}

export default function Certificates({ now = Date.now }: { now?: () => number }) {
  const s = useTableStyles();
  const certs = useLoad(() => ledgerApi.certificates(), []);
  let body: React.ReactNode;
  if (certs.state === 'loading') {
    body = <Loading what="certificates" />;
  } else if (certs.state === 'error') {
    body = <ErrorState error={certs.error} what="certificates" onRetry={certs.reload} />;
  } else if (certs.data.certificates.length === 0) {
    body = (
      <EmptyState title="No certificates seen yet">
        The exporter collects them from channel configuration blocks and from transactions as it reads them.
      </EmptyState>
    );
  } else {
    const t = now();
    body = (
      <table className={s.table} aria-label="Certificates">
        <thead>
          <tr>
            <th>Expires</th>
            <th>Not after</th>
            <th>MSP</th>
            <th>Role</th>
            <th>Subject</th>
            <th>Issuer</th>
            <th>Serial</th>
            <th>Channels</th>
          </tr>
        </thead>
        <tbody>
          {sortByExpiry(certs.data.certificates).map((c) => (
            <tr key={`${c.fingerprint256}-${c.role}-${c.mspId}`}>
              <td>
                <Badge
                  color={COLOR[expiryLevel(c.notAfterSeconds, t)]}
                  text={relativeDays(c.notAfterSeconds * 1000, t)}
                />
              </td>
              <td>{formatTime(c.notAfter)}</td>
              <td>{c.mspId}</td>
              <td>{c.role.replace(/_/g, ' ')}</td>
              <td>{c.subject}</td>
              <td>{c.issuer}</td>
              <td>
                <Mono>{c.serial.length > 16 ? `${c.serial.slice(0, 16)}…` : c.serial}</Mono>
              </td>
              <td>{c.channels.join(', ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    );
  }
  return (
    <Page
      title="Certificates by expiry"
      subTitle="Every certificate the exporter has seen (channel configurations, creators, endorsers), soonest expiry first."
    >
      {body}
    </Page>
  );
}
