import { validationCodeName } from '@mictract/exporter/dist/validationcode';

// Fabric's transaction validation codes, explained for people who did not write Fabric.

const EXPLAIN: Partial<Record<string, string>> = {
  VALID: 'committed',
  MVCC_READ_CONFLICT: 'a key this transaction read was changed by another transaction committed first; retry it',
  PHANTOM_READ_CONFLICT: 'a range this transaction read changed before it committed; retry it',
  ENDORSEMENT_POLICY_FAILURE: "the endorsements do not satisfy the chaincode's endorsement policy (too few orgs, or the endorsers disagreed)",
  DUPLICATE_TXID: 'a transaction with this ID was already committed',
  BAD_CREATOR_SIGNATURE: "the client's signature does not verify",
  INVALID_ENDORSER_TRANSACTION: 'the endorsed transaction is malformed or its endorsements are invalid',
  EXPIRED_CHAINCODE: 'endorsed under a chaincode definition that was replaced before commit; retry it',
  CHAINCODE_VERSION_CONFLICT: 'endorsed under another chaincode version than the committed one; retry it',
  INVALID_CHAINCODE: 'the chaincode is not defined on the channel',
  BAD_RWSET: 'the read/write set is malformed',
  ILLEGAL_WRITESET: 'the transaction writes to a namespace it may not write',
};

// The names come from the exporter's decoder, the project's one reading of Fabric's codes.
export { validationCodeName };

export function explainValidationCode(code: number): string {
  const name = validationCodeName(code);
  return EXPLAIN[name] ?? 'the peer rejected the transaction at validation';
}
