import { ProtoReader } from '../protoreader';
import { decodeChaincodeName, MessageType, readStrings } from './shimmessage';

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

/** Field numbers of the key and collection in each keyed request (fabric-protos peer/chaincode_shim.proto). */
const KEYED: ReadonlyMap<number, { key: number; collection: number }> = new Map([
  [T.GET_STATE, { key: 1, collection: 2 }], // GetState
  [T.GET_PRIVATE_DATA_HASH, { key: 1, collection: 2 }], // GetState
  [T.DEL_STATE, { key: 1, collection: 2 }], // DelState
  [T.PURGE_PRIVATE_DATA, { key: 1, collection: 2 }], // PurgePrivateState
  [T.GET_STATE_METADATA, { key: 1, collection: 2 }], // GetStateMetadata
  [T.PUT_STATE_METADATA, { key: 1, collection: 3 }], // PutStateMetadata
]);

/**
 * Span attributes for a state-call request (fabric.state.key, fabric.state.collection, …), read from
 * the wire format (shimmessage.ts). Throws when the payload does not decode as the request its type says.
 */
export function describeStateCall(type: number, payload: Uint8Array): StateCallAttributes {
  const a: StateCallAttributes = {};
  const collection = (value: string | undefined) => {
    if (value) a['fabric.state.collection'] = bounded(value);
  };
  const keyed = KEYED.get(type);
  if (keyed) {
    const f = readStrings(payload, [keyed.key, keyed.collection]);
    a['fabric.state.key'] = bounded(f.get(keyed.key) ?? '');
    collection(f.get(keyed.collection));
    return a;
  }
  switch (type) {
    case T.PUT_STATE: {
      // PutState: key = 1, value = 2, collection = 3
      const r = new ProtoReader(payload);
      let key = '';
      let valueSize = 0;
      let coll = '';
      while (r.next()) {
        if (r.field === 1) key = r.string();
        else if (r.field === 2) valueSize = r.size();
        else if (r.field === 3) coll = r.string();
        else r.skip();
      }
      a['fabric.state.key'] = bounded(key);
      collection(coll);
      a['fabric.state.value.size'] = valueSize;
      break;
    }
    case T.GET_STATE_BY_RANGE: {
      // GetStateByRange: startKey = 1, endKey = 2, collection = 3
      const f = readStrings(payload, [1, 2, 3]);
      a['fabric.state.start_key'] = bounded(f.get(1) ?? '');
      a['fabric.state.end_key'] = bounded(f.get(2) ?? '');
      collection(f.get(3));
      break;
    }
    case T.GET_QUERY_RESULT: {
      // GetQueryResult: query = 1, collection = 2
      const f = readStrings(payload, [1, 2]);
      a['fabric.state.query'] = bounded(f.get(1) ?? '');
      collection(f.get(2));
      break;
    }
    case T.GET_HISTORY_FOR_KEY: // GetHistoryForKey: key = 1
      a['fabric.state.key'] = bounded(readStrings(payload, [1]).get(1) ?? '');
      break;
    case T.QUERY_STATE_NEXT: // QueryStateNext / QueryStateClose: id = 1
    case T.QUERY_STATE_CLOSE:
      a['fabric.state.iterator_id'] = bounded(readStrings(payload, [1]).get(1) ?? '');
      break;
    case T.INVOKE_CHAINCODE: {
      // ChaincodeSpec: chaincode_id = 2 (ChaincodeID: name = 2), input = 3 (ChaincodeInput: args = 1)
      const r = new ProtoReader(payload);
      let name = '';
      let fn: string | undefined;
      while (r.next()) {
        if (r.field === 2) name = decodeChaincodeName(r.bytes());
        else if (r.field === 3) fn = readStrings(r.bytes(), [1]).get(1);
        else r.skip();
      }
      a['fabric.invoke.chaincode'] = bounded(name);
      if (fn) a['fabric.invoke.function'] = bounded(fn);
      break;
    }
    case T.GET_STATE_MULTIPLE: {
      // GetStateMultiple: keys = 1 (repeated), collection = 2
      const counts = new Map<number, number>();
      const f = readStrings(payload, [1, 2], counts);
      a['fabric.state.key_count'] = counts.get(1) ?? 0;
      if (f.has(1)) a['fabric.state.key'] = bounded(f.get(1)!);
      collection(f.get(2));
      break;
    }
    case T.WRITE_BATCH_STATE: {
      // WriteBatchState: rec = 1 (repeated)
      const counts = new Map<number, number>();
      readStrings(payload, [1], counts);
      a['fabric.state.record_count'] = counts.get(1) ?? 0;
      break;
    }
  }
  return a;
}
