import { peer } from '@hyperledger/fabric-protos';

// Fabric's transaction validation codes (peer.TxValidationCode), by number. The block's
// TRANSACTIONS_FILTER metadata holds one code per envelope.

const NAMES = new Map<number, string>(Object.entries(peer.TxValidationCode).map(([name, code]) => [code as number, name]));

/** The code's name, e.g. VALID or MVCC_READ_CONFLICT; unknown codes read as UNKNOWN_<n>. */
export function validationCodeName(code: number): string {
  return NAMES.get(code) ?? `UNKNOWN_${code}`;
}

export const VALID = peer.TxValidationCode.VALID;
export const MVCC_READ_CONFLICT = peer.TxValidationCode.MVCC_READ_CONFLICT;
export const NOT_VALIDATED = peer.TxValidationCode.NOT_VALIDATED;
