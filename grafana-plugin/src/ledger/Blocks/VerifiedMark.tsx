import React from 'react';
import { Badge } from '@grafana/ui';
import type { Verification } from '../../api/types';

/** The hash-chain check of a block, as a mark: verified, data hash only, or failed (which check). */
export function VerifiedMark({ verification }: { verification: Verification }) {
  if (!verification.ok) {
    return (
      <Badge
        color="red"
        icon="exclamation-triangle"
        text={`failed: ${verification.failed.join(', ')}`}
        tooltip="The block's hashes do not match: the ledger copy the exporter read was altered or corrupted."
      />
    );
  }
  if (!verification.previousChecked) {
    return (
      <Badge
        color="blue"
        icon="check"
        text="data hash verified"
        tooltip="The block before was not seen, so the previous hash could not be checked."
      />
    );
  }
  return <Badge color="green" icon="check-circle" text="verified" tooltip="Data hash and previous hash both match." />;
}
