// Fabric's transaction validation codes (TxValidationCode in fabric-protos peer/transaction.proto),
// explained for the engineer on call: what happened and what to do.

const EXPLAIN: Record<string, string> = {
  VALID: 'Committed: the transaction passed validation and its writes are in the world state.',
  NIL_ENVELOPE: 'The envelope was empty. A client bug; nothing was written.',
  BAD_PAYLOAD: 'The payload could not be decoded. A client bug; nothing was written.',
  BAD_COMMON_HEADER: 'The header was malformed. A client bug; nothing was written.',
  BAD_CREATOR_SIGNATURE: "The client's signature does not verify. Check the client's identity and key.",
  INVALID_ENDORSER_TRANSACTION: 'The endorsed transaction is malformed or its endorsements are invalid.',
  INVALID_CONFIG_TRANSACTION: 'The configuration update was rejected.',
  UNSUPPORTED_TX_PAYLOAD: 'The transaction type is not supported on this channel.',
  BAD_PROPOSAL_TXID: 'The transaction ID does not match its nonce and creator.',
  DUPLICATE_TXID: 'A transaction with this ID was already committed; this copy wrote nothing.',
  ENDORSEMENT_POLICY_FAILURE:
    "The endorsements do not satisfy the chaincode's endorsement policy (too few organizations, or the endorsers returned different results). Check which orgs endorsed and whether the chaincode is deterministic.",
  MVCC_READ_CONFLICT:
    'A key this transaction read was changed by another transaction committed first, so its writes were discarded. Retry it; if it happens often, see the top conflicting keys.',
  PHANTOM_READ_CONFLICT:
    'A range this transaction read changed before it committed, so its writes were discarded. Retry it.',
  UNKNOWN_TX_TYPE: 'The transaction type is unknown to the peer.',
  TARGET_CHAIN_NOT_FOUND: 'The channel named in the transaction does not exist on the peer.',
  MARSHAL_TX_ERROR: 'The transaction could not be encoded.',
  NIL_TXACTION: 'The transaction has no actions.',
  EXPIRED_CHAINCODE: 'Endorsed under a chaincode definition that was replaced before it committed. Retry it.',
  CHAINCODE_VERSION_CONFLICT: 'Endorsed under another chaincode version than the committed one. Retry it.',
  BAD_HEADER_EXTENSION: 'The header extension is malformed.',
  BAD_CHANNEL_HEADER: 'The channel header is malformed.',
  BAD_RESPONSE_PAYLOAD: 'The endorsement response payload is malformed.',
  BAD_RWSET: 'The read/write set is malformed.',
  ILLEGAL_WRITESET: 'The transaction writes to a namespace it may not write.',
  INVALID_WRITESET: 'The write set is invalid.',
  INVALID_CHAINCODE: 'The chaincode is not defined (committed) on this channel.',
  NOT_VALIDATED: 'The peer has not validated this transaction (yet).',
  INVALID_OTHER_REASON: 'The peer rejected the transaction for another reason; see the peer log for this tx ID.',
};

export function explainValidationCode(code: string): string {
  return EXPLAIN[code] ?? `The peer rejected the transaction at validation (${code}); see the peer log for this tx ID.`;
}

export type CodeSeverity = 'ok' | 'retry' | 'error';

/** ok = committed, retry = a concurrency loss the client should retry, error = anything else. */
export function codeSeverity(code: string): CodeSeverity {
  if (code === 'VALID') {
    return 'ok';
  }
  if (
    code === 'MVCC_READ_CONFLICT' ||
    code === 'PHANTOM_READ_CONFLICT' ||
    code === 'EXPIRED_CHAINCODE' ||
    code === 'CHAINCODE_VERSION_CONFLICT'
  ) {
    return 'retry';
  }
  return 'error';
}
