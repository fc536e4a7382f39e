import { frameMessage, GrpcMessageReader } from './grpcframes';

// The reader finds gRPC messages in DATA chunks however HTTP/2 cuts them.

const messages = [Buffer.from('first'), Buffer.alloc(0), Buffer.alloc(70_000, 9), Buffer.from([0x08, 0x01]), Buffer.from('last')];
const wire = Buffer.concat(messages.map((m, i) => frameMessage(m, i === 3)));

function read(chunks: Buffer[]): Array<{ hex: string; compressed: boolean }> {
  const got: Array<{ hex: string; compressed: boolean }> = [];
  const reader = new GrpcMessageReader((m, compressed) => got.push({ hex: m.toString('hex'), compressed }));
  for (const c of chunks) reader.push(c);
  expect(reader.pending).toBe(0);
  return got;
}

const expected = messages.map((m, i) => ({ hex: m.toString('hex'), compressed: i === 3 }));

describe('GrpcMessageReader', () => {
  it('reads messages from one chunk', () => {
    expect(read([wire])).toEqual(expected);
  });

  it('reads them cut at every byte boundary of the first 40 bytes and in small pieces', () => {
    for (let cut = 1; cut < 40; cut++) expect(read([wire.subarray(0, cut), wire.subarray(cut)])).toEqual(expected);
    const pieces: Buffer[] = [];
    for (let i = 0; i < wire.length; i += 3) pieces.push(wire.subarray(i, i + 3));
    expect(read(pieces)).toEqual(expected);
  });

  it('holds a message begun and not finished', () => {
    const got: Buffer[] = [];
    const reader = new GrpcMessageReader((m) => got.push(m));
    reader.push(wire.subarray(0, 12));
    expect(got.map(String)).toEqual(['first']);
    expect(reader.pending).toBe(2);
  });
});
