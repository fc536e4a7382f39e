import { common, peer } from '@hyperledger/fabric-protos';
import { ProtoReader, utf8 } from './protoreader';

describe('ProtoReader', () => {
  it('reads what google-protobuf writes: varints up to 2^53, negative int32, strings, bytes, and skips the rest', () => {
    const h = new common.ChannelHeader();
    h.setType(3);
    h.setVersion(-7);
    h.setChannelId('grün-channel');
    h.setTxId('ab'.repeat(32));
    h.setEpoch(2 ** 53 - 1);
    h.setExtension$(Uint8Array.from([1, 2, 3]));
    const seen: Record<number, unknown> = {};
    for (const r = new ProtoReader(h.serializeBinary()); r.next(); ) {
      if (r.field === 1) seen[1] = r.int32();
      else if (r.field === 2) seen[2] = r.int32();
      else if (r.field === 4) seen[4] = r.string();
      else if (r.field === 6) seen[6] = r.uint();
      else if (r.field === 7) seen[7] = [...r.bytes()];
      else r.skip();
    }
    expect(seen).toEqual({ 1: 3, 2: -7, 4: 'grün-channel', 6: 2 ** 53 - 1, 7: [1, 2, 3] });
    const response = new peer.Response();
    response.setStatus(-1);
    const r = new ProtoReader(response.serializeBinary());
    expect(r.next() && r.int32()).toBe(-1);
  });

  it('throws on truncated input, lengths past the end, wrong wire types and groups', () => {
    const read = (bytes: number[], as: (r: ProtoReader) => unknown = (r) => r.skip()) => () => {
      for (const r = new ProtoReader(Uint8Array.from(bytes)); r.next(); ) as(r);
    };
    expect(read([0x0a, 0x05, 1, 2])).toThrow('length beyond the message');
    expect(read([0x08, 0xff])).toThrow('truncated varint');
    expect(read([0x08, 0x01], (r) => r.bytes())).toThrow('wire type 0, expected 2');
    expect(read([0x0b])).toThrow('unsupported wire type 3');
    expect(read([0x00])).toThrow('field number 0');
    expect(read([0x09, 1, 2, 3])).toThrow('truncated fixed-size field');
    expect(read([0x08, ...Array(10).fill(0xff), 0x01])).toThrow('longer than 10 bytes');
  });

  it('gives length-delimited fields as offsets, nested messages as readers of the same bytes, sizes without views', () => {
    const h = new common.Header();
    const ch = new common.ChannelHeader();
    ch.setTxId('tx-1');
    h.setChannelHeader(ch.serializeBinary());
    h.setSignatureHeader(Uint8Array.from([1, 2, 3, 4, 5]));
    const bytes = h.serializeBinary();
    const r = new ProtoReader(bytes);
    expect(r.next() && r.field).toBe(1);
    const inner = r.message();
    expect(inner.buf).toBe(bytes);
    expect(inner.next() && inner.field === 5 && inner.string()).toBe('tx-1');
    expect(inner.next()).toBe(false);
    expect(r.next() && r.field).toBe(2);
    const start = r.lengthDelimited();
    expect([...bytes.subarray(start, r.valueEnd)]).toEqual([1, 2, 3, 4, 5]);
    expect(r.next()).toBe(false);
    const again = new ProtoReader(bytes);
    again.next();
    again.skip();
    again.next();
    expect(again.size()).toBe(5);
  });

  it('decodes UTF-8 as TextDecoder does: ASCII, other characters, invalid sequences', () => {
    const decoder = new TextDecoder('utf-8');
    for (const bytes of [Buffer.from('marble-17'), Buffer.from('grün 🌍 ok'), Uint8Array.from([0x61, 0xff, 0xc3, 0x62, 0xe2, 0x82]), new Uint8Array()]) {
      const padded = Uint8Array.from([0x7a, ...bytes, 0x7a]);
      expect(utf8(padded, 1, padded.length - 1)).toBe(decoder.decode(bytes));
    }
  });
});
