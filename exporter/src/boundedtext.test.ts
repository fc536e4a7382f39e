import { boundedArg, boundedArgs } from './boundedtext';

describe('boundedArg', () => {
  it('keeps short UTF-8 text as it is', () => {
    expect(boundedArg(Buffer.from('marble1'))).toBe('marble1');
    expect(boundedArg(Buffer.from('grün\tblau\n'))).toBe('grün\tblau\n');
  });

  it('shows binary and control characters as hex', () => {
    expect(boundedArg(Uint8Array.from([0xff, 0x00, 0x01]))).toBe('0xff0001');
    expect(boundedArg(Buffer.from('a\u0000b'))).toBe('0x610062');
  });

  it('cuts long arguments and says by how much', () => {
    expect(boundedArg(Buffer.alloc(1000, 'x'), 10)).toBe('xxxxxxxxxx…(+990 bytes)');
    expect(boundedArg(Buffer.alloc(1000, 0xfe), 4)).toBe('0xfefefefe…(+996 bytes)');
  });

  it('cuts inside a multi-byte character without calling it binary', () => {
    const text = Buffer.from('ééééé'); // 10 bytes
    expect(boundedArg(text, 5)).toBe('éé…(+5 bytes)');
  });
});

describe('boundedArgs', () => {
  it('keeps at most maxArgs arguments and counts the rest', () => {
    const args = Array.from({ length: 20 }, (_, i) => Buffer.from(`a${i}`));
    const kept = boundedArgs(args, 3);
    expect(kept).toEqual(['a0', 'a1', 'a2', '…(+17 arguments)']);
    expect(boundedArgs(args.slice(0, 2), 3)).toEqual(['a0', 'a1']);
  });
});
