import { randomBytes } from 'node:crypto';
import { peer } from '@hyperledger/fabric-protos';
import { decodeChaincodeName, decodeInvocationRequest, decodeInvocationResponse, decodeShimMessage, MessageType } from './shimmessage';

// decodeShimMessage reads the wire format itself; google-protobuf is the reference it must agree with.

function reference(raw: Uint8Array) {
  try {
    const m = peer.ChaincodeMessage.deserializeBinary(raw);
    return { type: m.getType(), txId: m.getTxid(), channelId: m.getChannelId(), payload: Buffer.from(m.getPayload_asU8()).toString('hex') };
  } catch {
    return undefined;
  }
}

function ours(raw: Uint8Array) {
  const m = decodeShimMessage(raw);
  return m && { ...m, payload: Buffer.from(m.payload).toString('hex') };
}

function randomMessage(i: number): Buffer {
  const m = new peer.ChaincodeMessage();
  m.setType((i % 26) as peer.ChaincodeMessage.TypeMap[keyof peer.ChaincodeMessage.TypeMap]);
  if (i % 3) m.setTxid(randomBytes(32).toString('hex'));
  if (i % 4) m.setChannelId(`channel-${i}-é`);
  if (i % 5) m.setPayload(randomBytes(i % 300));
  if (i % 7 === 0) {
    const sp = new peer.SignedProposal();
    sp.setProposalBytes(randomBytes(50));
    m.setProposal(sp);
  }
  if (i % 11 === 0) {
    const ev = new peer.ChaincodeEvent();
    ev.setEventName('created');
    m.setChaincodeEvent(ev);
  }
  return Buffer.from(m.serializeBinary());
}

describe('decodeShimMessage', () => {
  it('reads what google-protobuf reads, for messages with every field', () => {
    for (let i = 0; i < 300; i++) {
      const raw = randomMessage(i);
      expect(ours(raw)).toEqual(reference(raw));
    }
  });

  it('agrees with google-protobuf on every truncation of a message', () => {
    const raw = randomMessage(77);
    for (let n = 0; n < raw.length; n++) {
      const cut = raw.subarray(0, n);
      expect(ours(cut) === undefined).toBe(reference(cut) === undefined);
    }
  });

  it('skips fields it does not know, of every wire type', () => {
    const known = randomMessage(5);
    const unknown = Buffer.from([0x98, 0x06, 0x96, 0x01, 0x99, 0x06, 1, 2, 3, 4, 5, 6, 7, 8, 0x9a, 0x06, 0x02, 0x68, 0x69, 0x9d, 0x06, 1, 2, 3, 4]);
    expect(ours(Buffer.concat([known, unknown]))).toEqual(reference(known));
  });

  it('gives the payload as a view into the bytes, not a copy', () => {
    const raw = randomMessage(1);
    const m = decodeShimMessage(raw)!;
    expect(m.payload.buffer).toBe(raw.buffer);
  });

  it('rejects bytes that are no message', () => {
    for (const bad of [[0x0a, 0xff, 0xff], [0x08], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], [0x00], [0x0b], [0x1a, 0x05, 0x01]]) {
      expect(decodeShimMessage(Buffer.from(bad))).toBeUndefined();
    }
  });
});

describe('the payload readers, against google-protobuf', () => {
  it('know every message type fabric-protos knows, by the same number', () => {
    expect(MessageType).toEqual(peer.ChaincodeMessage.Type);
  });

  it('read ChaincodeInput, Response and ChaincodeID as google-protobuf does, and refuse what it refuses', () => {
    for (let i = 0; i < 300; i++) {
      const input = new peer.ChaincodeInput();
      input.setArgsList(Array.from({ length: i % 5 }, (_, j) => Buffer.from(`arg${j}-${i}-é`)));
      input.setIsInit(i % 2 === 0);
      expect(decodeInvocationRequest(input.serializeBinary())).toEqual({ fn: i % 5 ? `arg0-${i}-é` : '', argCount: i % 5 });
      const res = new peer.Response();
      res.setStatus(i % 3 === 0 ? -1 : 200 + i);
      res.setMessage(i % 4 ? `message ${i}` : '');
      res.setPayload(randomBytes(i));
      expect(decodeInvocationResponse(res.serializeBinary())).toEqual({ status: res.getStatus(), message: res.getMessage(), payloadSize: i });
      const id = new peer.ChaincodeID();
      id.setName(`marbles_${i}:abc`);
      id.setVersion('1.0');
      expect(decodeChaincodeName(id.serializeBinary())).toBe(`marbles_${i}:abc`);
    }
    for (const garbage of [Buffer.from([0x0a, 0xff, 0xff, 0x01]), Buffer.alloc(16, 7), Buffer.from([0x08])]) {
      expect(() => peer.ChaincodeInput.deserializeBinary(garbage).getArgsList()).toThrow();
      expect(() => decodeInvocationRequest(garbage)).toThrow();
    }
  });
});
