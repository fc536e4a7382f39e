import { peer } from '@hyperledger/fabric-protos';
import { InvocationTracker, type InvocationEnd, type InvocationStart, type StateCallEnd, type StateCallStart, type StreamObserver } from './invocationtracker';

const T = peer.ChaincodeMessage.Type;
type TypeValue = peer.ChaincodeMessage.TypeMap[keyof peer.ChaincodeMessage.TypeMap];

function msg(type: number, txId: string, payload: Uint8Array = new Uint8Array(), channel = 'mychannel'): Uint8Array {
  const m = new peer.ChaincodeMessage();
  m.setType(type as TypeValue);
  m.setTxid(txId);
  m.setChannelId(channel);
  m.setPayload(payload);
  return m.serializeBinary();
}

function input(...args: string[]): Uint8Array {
  const i = new peer.ChaincodeInput();
  i.setArgsList(args.map((a) => Buffer.from(a)));
  return i.serializeBinary();
}

function response(status: number, message = '', payload = ''): Uint8Array {
  const r = new peer.Response();
  r.setStatus(status);
  r.setMessage(message);
  r.setPayload(Buffer.from(payload));
  return r.serializeBinary();
}

function getState(key: string): Uint8Array {
  const g = new peer.GetState();
  g.setKey(key);
  return g.serializeBinary();
}

type Event =
  | { kind: 'registered'; id: string }
  | { kind: 'malformed'; direction: string }
  | { kind: 'start'; start: InvocationStart }
  | { kind: 'end'; fn: string; end: InvocationEnd }
  | { kind: 'call'; fn: string; call: StateCallStart }
  | { kind: 'callEnd'; type: string; end: StateCallEnd };

function recorder(): { events: Event[]; observer: StreamObserver } {
  const events: Event[] = [];
  return {
    events,
    observer: {
      registered: (id) => events.push({ kind: 'registered', id }),
      malformed: (direction) => events.push({ kind: 'malformed', direction }),
      invocationStarted: (start) => {
        events.push({ kind: 'start', start });
        return {
          stateCallStarted: (call) => {
            events.push({ kind: 'call', fn: start.fn, call });
            return { ended: (end) => events.push({ kind: 'callEnd', type: call.type, end }) };
          },
          ended: (end) => events.push({ kind: 'end', fn: start.fn, end }),
        };
      },
    },
  };
}

describe('InvocationTracker', () => {
  it('follows an invocation with a state call from TRANSACTION to COMPLETED', () => {
    const { events, observer } = recorder();
    const t = new InvocationTracker(observer);
    const id = new peer.ChaincodeID();
    id.setName('marbles_1.0:abcd');
    t.fromChaincode(msg(T.REGISTER, '', id.serializeBinary(), ''));
    t.fromPeer(msg(T.TRANSACTION, 'tx1', input('readMarble', 'm1')));
    expect(t.inFlight).toBe(1);
    t.fromChaincode(msg(T.GET_STATE, 'tx1', getState('m1')));
    t.fromPeer(msg(T.RESPONSE, 'tx1', Buffer.from('{"name":"m1"}')));
    t.fromChaincode(msg(T.COMPLETED, 'tx1', response(200, '', 'the marble')));
    expect(t.inFlight).toBe(0);

    expect(events.map((e) => e.kind)).toEqual(['registered', 'start', 'call', 'callEnd', 'end']);
    expect(events[0]).toEqual({ kind: 'registered', id: 'marbles_1.0:abcd' });
    expect(events[1]).toMatchObject({ start: { txId: 'tx1', channelId: 'mychannel', kind: 'TRANSACTION', fn: 'readMarble', argCount: 2 } });
    expect(events[2]).toMatchObject({ call: { type: 'GET_STATE', attributes: { 'fabric.state.key': 'm1' } } });
    expect(events[3]).toMatchObject({ end: { outcome: 'ok', responseSize: 13 } });
    expect(events[4]).toMatchObject({ end: { outcome: 'ok', responseStatus: 200, responseSize: 10 } });
    const start = (events[1] as { start: InvocationStart }).start;
    const end = (events[4] as { end: InvocationEnd }).end;
    expect(end.endedAt).toBeGreaterThanOrEqual(start.startedAt);
  });

  it("calls a COMPLETED with status 500 (the Node shim's failure) and an ERROR errors, with their messages", () => {
    const { events, observer } = recorder();
    const t = new InvocationTracker(observer);
    t.fromPeer(msg(T.TRANSACTION, 'a', input('readMarble', 'nope')));
    t.fromPeer(msg(T.TRANSACTION, 'b', input('initMarble')));
    t.fromChaincode(msg(T.COMPLETED, 'a', response(500, 'marble nope does not exist')));
    t.fromChaincode(msg(T.ERROR, 'b', Buffer.from('bad input')));
    const ends = events.filter((e) => e.kind === 'end');
    expect(ends).toEqual([
      { kind: 'end', fn: 'readMarble', end: expect.objectContaining({ outcome: 'error', responseStatus: 500, message: 'marble nope does not exist' }) },
      { kind: 'end', fn: 'initMarble', end: expect.objectContaining({ outcome: 'error', message: 'bad input' }) },
    ]);
  });

  it('matches by channel and tx ID: the same tx ID on two channels is two invocations', () => {
    const { events, observer } = recorder();
    const t = new InvocationTracker(observer);
    t.fromPeer(msg(T.TRANSACTION, 'same', input('f1'), 'ch1'));
    t.fromPeer(msg(T.TRANSACTION, 'same', input('f2'), 'ch2'));
    t.fromChaincode(msg(T.COMPLETED, 'same', response(200), 'ch2'));
    expect(events.filter((e) => e.kind === 'end').map((e) => (e as { fn: string }).fn)).toEqual(['f2']);
    expect(t.inFlight).toBe(1);
  });

  it('an answer to the peer as ERROR ends the state call as an error', () => {
    const { events, observer } = recorder();
    const t = new InvocationTracker(observer);
    t.fromPeer(msg(T.TRANSACTION, 'tx', input('f')));
    t.fromChaincode(msg(T.GET_STATE, 'tx', getState('k')));
    t.fromPeer(msg(T.ERROR, 'tx', Buffer.from('no ledger')));
    expect(events.find((e) => e.kind === 'callEnd')).toMatchObject({ end: { outcome: 'error', message: 'no ledger' } });
  });

  it('ends what is still running as aborted when the stream closes', () => {
    const { events, observer } = recorder();
    const t = new InvocationTracker(observer);
    t.fromPeer(msg(T.TRANSACTION, 'tx', input('f')));
    t.fromChaincode(msg(T.PUT_STATE, 'tx', new peer.PutState().serializeBinary()));
    t.close('replica gone');
    expect(events.filter((e) => e.kind === 'callEnd' || e.kind === 'end').map((e) => (e as { end: InvocationEnd }).end)).toEqual([
      expect.objectContaining({ outcome: 'aborted', message: 'replica gone' }),
      expect.objectContaining({ outcome: 'aborted', message: 'replica gone' }),
    ]);
    expect(t.inFlight).toBe(0);
  });

  it('counts bytes that are no ChaincodeMessage, and payloads that are not what their type says, without throwing', () => {
    const { events, observer } = recorder();
    const t = new InvocationTracker(observer);
    t.fromPeer(Buffer.from([0x0a, 0xff, 0xff])); // field 1, length-delimited, length past the end
    t.fromChaincode(Buffer.from([0x08])); // a varint that never ends
    t.fromPeer(msg(T.TRANSACTION, 'tx', Buffer.from([0x0a, 0x05, 0x01]))); // ChaincodeInput cut short
    t.fromChaincode(msg(T.GET_STATE, 'tx', Buffer.from([0x12, 0x09]))); // GetState cut short
    expect(events.filter((e) => e.kind === 'malformed')).toEqual([
      { kind: 'malformed', direction: 'to_chaincode' },
      { kind: 'malformed', direction: 'to_peer' },
      { kind: 'malformed', direction: 'to_chaincode' },
      { kind: 'malformed', direction: 'to_peer' },
    ]);
    // The invocation is still followed, under an unknown function.
    expect(events.find((e) => e.kind === 'start')).toMatchObject({ start: { fn: '', txId: 'tx' } });
    expect(events.find((e) => e.kind === 'call')).toMatchObject({ call: { type: 'GET_STATE', attributes: {} } });
  });

  it('ignores messages of no invocation (KEEPALIVE, answers to unknown transactions)', () => {
    const { events, observer } = recorder();
    const t = new InvocationTracker(observer);
    t.fromPeer(msg(T.KEEPALIVE, ''));
    t.fromPeer(msg(T.RESPONSE, 'unknown'));
    t.fromChaincode(msg(T.COMPLETED, 'unknown', response(200)));
    t.fromChaincode(msg(T.GET_STATE, 'unknown', getState('k')));
    expect(events).toEqual([]);
  });
});
