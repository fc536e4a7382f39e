import { peer } from '@hyperledger/fabric-protos';
import { describeStateCall } from './statecall';
import { MessageType as T } from './shimmessage';

// describeStateCall reads each request from the wire format; the requests here are built with
// google-protobuf, so the field numbers are checked against fabric-protos' own.

const bytes = (m: { serializeBinary(): Uint8Array }) => m.serializeBinary();

describe('describeStateCall', () => {
  it('reads the key and collection of every keyed request', () => {
    const keyed: Array<[number, { setKey(k: string): void; setCollection(c: string): void; serializeBinary(): Uint8Array }]> = [
      [T.GET_STATE, new peer.GetState()],
      [T.GET_PRIVATE_DATA_HASH, new peer.GetState()],
      [T.DEL_STATE, new peer.DelState()],
      [T.PURGE_PRIVATE_DATA, new peer.PurgePrivateState()],
      [T.GET_STATE_METADATA, new peer.GetStateMetadata()],
      [T.PUT_STATE_METADATA, new peer.PutStateMetadata()],
    ];
    for (const [type, m] of keyed) {
      m.setKey('marble1');
      m.setCollection('private');
      expect(describeStateCall(type, bytes(m))).toEqual({ 'fabric.state.key': 'marble1', 'fabric.state.collection': 'private' });
      m.setCollection('');
      expect(describeStateCall(type, bytes(m))).toEqual({ 'fabric.state.key': 'marble1' });
    }
  });

  it('reads the other requests', () => {
    const put = new peer.PutState();
    put.setKey('\u0000color~name\u0000blue\u0000m1\u0000');
    put.setValue(Buffer.alloc(42));
    put.setCollection('c');
    expect(describeStateCall(T.PUT_STATE, bytes(put))).toEqual({ 'fabric.state.key': '\u0000color~name\u0000blue\u0000m1\u0000', 'fabric.state.collection': 'c', 'fabric.state.value.size': 42 });

    const range = new peer.GetStateByRange();
    range.setStartkey('a');
    range.setEndkey('z'.repeat(300));
    expect(describeStateCall(T.GET_STATE_BY_RANGE, bytes(range))).toEqual({ 'fabric.state.start_key': 'a', 'fabric.state.end_key': 'z'.repeat(255) + '…' });

    const query = new peer.GetQueryResult();
    query.setQuery('{"selector":{}}');
    query.setCollection('c');
    expect(describeStateCall(T.GET_QUERY_RESULT, bytes(query))).toEqual({ 'fabric.state.query': '{"selector":{}}', 'fabric.state.collection': 'c' });

    const history = new peer.GetHistoryForKey();
    history.setKey('m1');
    expect(describeStateCall(T.GET_HISTORY_FOR_KEY, bytes(history))).toEqual({ 'fabric.state.key': 'm1' });

    const next = new peer.QueryStateNext();
    next.setId('it-1');
    expect(describeStateCall(T.QUERY_STATE_NEXT, bytes(next))).toEqual({ 'fabric.state.iterator_id': 'it-1' });
    expect(describeStateCall(T.QUERY_STATE_CLOSE, bytes(next))).toEqual({ 'fabric.state.iterator_id': 'it-1' });

    const spec = new peer.ChaincodeSpec();
    const id = new peer.ChaincodeID();
    id.setName('other');
    spec.setChaincodeId(id);
    const input = new peer.ChaincodeInput();
    input.setArgsList([Buffer.from('readMarble'), Buffer.from('m1')]);
    spec.setInput(input);
    expect(describeStateCall(T.INVOKE_CHAINCODE, bytes(spec))).toEqual({ 'fabric.invoke.chaincode': 'other', 'fabric.invoke.function': 'readMarble' });

    const multiple = new peer.GetStateMultiple();
    multiple.setKeysList(['k1', 'k2', 'k3']);
    multiple.setCollection('c');
    expect(describeStateCall(T.GET_STATE_MULTIPLE, bytes(multiple))).toEqual({ 'fabric.state.key_count': 3, 'fabric.state.key': 'k1', 'fabric.state.collection': 'c' });

    const batch = new peer.WriteBatchState();
    const rec = new peer.WriteRecord();
    rec.setKey('k');
    batch.setRecList([rec, rec]);
    expect(describeStateCall(T.WRITE_BATCH_STATE, bytes(batch))).toEqual({ 'fabric.state.record_count': 2 });
  });

  it('throws on a payload that is no message', () => {
    expect(() => describeStateCall(T.GET_STATE, Buffer.from([0x0a, 0xff, 0xff, 0x01]))).toThrow();
    expect(() => describeStateCall(T.PUT_STATE, Buffer.alloc(8, 7))).toThrow();
  });
});
