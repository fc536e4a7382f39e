import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { blockDataHash, blockHeaderHash, headerDer } from './blockhash';

// openssl's ASN.1 parser reads back what headerDer wrote: an independent check of the encoding.
function asn1parse(der: Buffer): string {
  return execFileSync('openssl', ['asn1parse', '-inform', 'DER'], { input: der }).toString();
}

describe('blockHeaderHash', () => {
  it.each([0, 1, 127, 128, 255, 256, 65535, 2 ** 32 + 5, Number.MAX_SAFE_INTEGER])('encodes block number %d as a DER INTEGER openssl reads back', (n) => {
    const prev = randomBytes(32);
    const data = randomBytes(32);
    const parsed = asn1parse(headerDer(n, prev, data));
    const integer = /prim: INTEGER\s+:(-?[0-9A-F]+)/.exec(parsed)?.[1];
    expect(BigInt('0x' + integer)).toBe(BigInt(n));
    const octets = [...parsed.matchAll(/prim: OCTET STRING\s+\[HEX DUMP\]:([0-9A-F]+)/g)].map((m) => m[1]!.toLowerCase());
    expect(octets).toEqual([prev.toString('hex'), data.toString('hex')]);
  });

  it('encodes an empty previous hash (block 0) and long octet strings', () => {
    expect(asn1parse(headerDer(0, new Uint8Array(), randomBytes(32)))).toMatch(/OCTET STRING\s*\n.*OCTET STRING\s+\[HEX DUMP\]/);
    const long = randomBytes(300);
    expect(asn1parse(headerDer(7, long, long))).toContain(long.toString('hex').toUpperCase());
  });

  it('is the SHA-256 of that encoding and changes with every field', () => {
    const prev = randomBytes(32);
    const data = randomBytes(32);
    const h = blockHeaderHash(5, prev, data);
    expect(h).toEqual(createHash('sha256').update(headerDer(5, prev, data)).digest());
    expect(blockHeaderHash(6, prev, data)).not.toEqual(h);
    expect(blockHeaderHash(5, randomBytes(32), data)).not.toEqual(h);
    expect(blockHeaderHash(5, prev, randomBytes(32))).not.toEqual(h);
  });
});

describe('blockDataHash', () => {
  it('hashes the entries concatenated', () => {
    const a = randomBytes(10);
    const b = randomBytes(20);
    expect(blockDataHash([a, b])).toEqual(createHash('sha256').update(Buffer.concat([a, b])).digest());
    expect(blockDataHash([])).toEqual(createHash('sha256').digest());
  });
});
