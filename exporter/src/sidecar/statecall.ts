import { peer } from '@hyperledger/fabric-protos';
import { MessageType } from './shimmessage';

// The calls a chaincode makes back to the peer during an invocation (the chaincode's request, answered
// by the peer's RESPONSE or ERROR), and what of each request is worth a span attribute. Keys and
// queries are cut to a bounded length: they are attributes only, never metric labels.

const T = MessageType;

/** Chaincode→peer message types that are requests the peer answers with RESPONSE or ERROR. */
export const STATE_CALL_TYPES: ReadonlySet<number> = new Set<number>([
  T.GET_STATE,
  T.PUT_STATE,
  T.DEL_STATE,
  T.INVOKE_CHAINCODE,
  T.GET_STATE_BY_RANGE,
  T.GET_QUERY_RESULT,
  T.QUERY_STATE_NEXT,
  T.QUERY_STATE_CLOSE,
  T.GET_HISTORY_FOR_KEY,
  T.GET_STATE_METADATA,
  T.PUT_STATE_METADATA,
  T.GET_PRIVATE_DATA_HASH,
  T.PURGE_PRIVATE_DATA,
  T.WRITE_BATCH_STATE,
  T.GET_STATE_MULTIPLE,
]);

/** Longest key, query or name kept in an attribute; longer ones are cut and end in "…". */
export const MAX_ATTRIBUTE_LENGTH = 256;

export function bounded(value: string, max = MAX_ATTRIBUTE_LENGTH): string {
  return value.length > max ? value.slice(0, max - 1) + '…' : value;
}

export type StateCallAttributes = Record<string, string | number>;

/**
 * Span attributes for a state-call request (fabric.state.key, fabric.state.collection, …).
 * Throws when the payload does not decode as the request its type says.
 */
export function describeStateCall(type: number, payload: Uint8Array): StateCallAttributes {
  const a: StateCallAttributes = {};
  const keyed = (key: string, collection: string) => {
    a['fabric.state.key'] = bounded(key);
    if (collection) a['fabric.state.collection'] = bounded(collection);
  };
  switch (type) {
    case T.GET_STATE:
    case T.GET_PRIVATE_DATA_HASH: {
      const m = peer.GetState.deserializeBinary(payload);
      keyed(m.getKey(), m.getCollection());
      break;
    }
    case T.PUT_STATE: {
      const m = peer.PutState.deserializeBinary(payload);
      keyed(m.getKey(), m.getCollection());
      a['fabric.state.value.size'] = m.getValue_asU8().length;
      break;
    }
    case T.DEL_STATE: {
      const m = peer.DelState.deserializeBinary(payload);
      keyed(m.getKey(), m.getCollection());
      break;
    }
    case T.PURGE_PRIVATE_DATA: {
      const m = peer.PurgePrivateState.deserializeBinary(payload);
      keyed(m.getKey(), m.getCollection());
      break;
    }
    case T.GET_STATE_METADATA: {
      const m = peer.GetStateMetadata.deserializeBinary(payload);
      keyed(m.getKey(), m.getCollection());
      break;
    }
    case T.PUT_STATE_METADATA: {
      const m = peer.PutStateMetadata.deserializeBinary(payload);
      keyed(m.getKey(), m.getCollection());
      break;
    }
    case T.GET_STATE_BY_RANGE: {
      const m = peer.GetStateByRange.deserializeBinary(payload);
      a['fabric.state.start_key'] = bounded(m.getStartkey());
      a['fabric.state.end_key'] = bounded(m.getEndkey());
      if (m.getCollection()) a['fabric.state.collection'] = bounded(m.getCollection());
      break;
    }
    case T.GET_QUERY_RESULT: {
      const m = peer.GetQueryResult.deserializeBinary(payload);
      a['fabric.state.query'] = bounded(m.getQuery());
      if (m.getCollection()) a['fabric.state.collection'] = bounded(m.getCollection());
      break;
    }
    case T.GET_HISTORY_FOR_KEY:
      a['fabric.state.key'] = bounded(peer.GetHistoryForKey.deserializeBinary(payload).getKey());
      break;
    case T.QUERY_STATE_NEXT:
      a['fabric.state.iterator_id'] = bounded(peer.QueryStateNext.deserializeBinary(payload).getId());
      break;
    case T.QUERY_STATE_CLOSE:
      a['fabric.state.iterator_id'] = bounded(peer.QueryStateClose.deserializeBinary(payload).getId());
      break;
    case T.INVOKE_CHAINCODE: {
      const spec = peer.ChaincodeSpec.deserializeBinary(payload);
      a['fabric.invoke.chaincode'] = bounded(spec.getChaincodeId()?.getName() ?? '');
      const fn = spec.getInput()?.getArgsList_asU8()[0];
      if (fn) a['fabric.invoke.function'] = bounded(Buffer.from(fn).toString('utf8'));
      break;
    }
    case T.GET_STATE_MULTIPLE: {
      const m = peer.GetStateMultiple.deserializeBinary(payload);
      const keys = m.getKeysList();
      a['fabric.state.key_count'] = keys.length;
      if (keys.length > 0) a['fabric.state.key'] = bounded(keys[0]!);
      if (m.getCollection()) a['fabric.state.collection'] = bounded(m.getCollection());
      break;
    }
    case T.WRITE_BATCH_STATE:
      a['fabric.state.record_count'] = peer.WriteBatchState.deserializeBinary(payload).getRecList().length;
      break;
  }
  return a;
}
