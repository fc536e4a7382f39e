// A minimal reader of the protobuf wire format, for the hot path of block decoding: it walks a
// message's fields in place (no objects built for fields nobody reads), several times cheaper than
// google-protobuf's deserializeBinary. The hot path asks for length-delimited fields as offsets into
// the input (lengthDelimited(), message()): a view (subarray) costs an object each, which was most of
// the decoder's time and garbage; bytes() makes one only where the caller keeps the bytes. Wire types: 0 varint,
// 1 fixed64, 2 length-delimited, 5 fixed32 (3 and 4, groups, are obsolete and rejected). Anything
// out of bounds or of the wrong wire type throws, so a malformed envelope is reported, not misread.

const textDecoder = new TextDecoder('utf-8');
// Node's own Buffer method (what buf.toString('latin1', start, end) calls), on any Uint8Array
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice(this: Uint8Array, start: number, end: number): string }).latin1Slice;

/**
 * The UTF-8 text of buf[start, end), as TextDecoder gives it. ASCII (keys, IDs, names: nearly every
 * string of a block) is sliced directly, without a view for TextDecoder, several times faster.
 */
export function utf8(buf: Uint8Array, start: number, end: number): string {
  for (let i = start; i < end; i++) {
    if (buf[i]! >= 0x80) return textDecoder.decode(buf.subarray(start, end));
  }
  return latin1Slice.call(buf, start, end);
}

export class ProtoReader {
  /** The current field's number and wire type, after next(). */
  field = 0;
  wire = 0;
  /** After lengthDelimited() or message(): where the field's value ends. */
  valueEnd = 0;
  private pos: number;

  constructor(
    readonly buf: Uint8Array,
    start = 0,
    private readonly end = buf.length,
  ) {
    this.pos = start;
  }

  /** Moves to the next field; false at the end of the message. */
  next(): boolean {
    if (this.pos >= this.end) return false;
    const tag = this.varint();
    this.field = Math.floor(tag / 8);
    this.wire = tag & 7;
    if (this.field === 0) throw new Error('protobuf: field number 0');
    return true;
  }

  /** An unsigned varint (uint64 values above 2^53 lose precision). */
  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new Error('protobuf: truncated varint');
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 128;
    }
    throw new Error('protobuf: varint longer than 10 bytes');
  }

  uint(): number {
    this.expect(0);
    return this.varint();
  }

  /** An int32 (negative values travel as 10-byte varints: their low 32 bits count). */
  int32(): number {
    this.expect(0);
    let low = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new Error('protobuf: truncated varint');
      const b = this.buf[this.pos++]!;
      if (i < 5) low |= (b & 0x7f) << (7 * i);
      if (b < 0x80) return low | 0;
    }
    throw new Error('protobuf: varint longer than 10 bytes');
  }

  bool(): boolean {
    return this.uint() !== 0;
  }

  /** A length-delimited field: where its value starts in `buf` (it ends at `valueEnd`); no view made. */
  lengthDelimited(): number {
    this.expect(2);
    const length = this.varint();
    const start = this.pos;
    if (length > this.end - start) throw new Error('protobuf: length beyond the message');
    this.pos = start + length;
    this.valueEnd = this.pos;
    return start;
  }

  /** A length-delimited field as a reader of the message it holds (the same input, no view). */
  message(): ProtoReader {
    const start = this.lengthDelimited();
    return new ProtoReader(this.buf, start, this.valueEnd);
  }

  /** A length-delimited field as a view of the input (no copy). */
  bytes(): Uint8Array {
    const start = this.lengthDelimited();
    return this.buf.subarray(start, this.valueEnd);
  }

  /** The length-delimited field's size, skipping it. */
  size(): number {
    const start = this.lengthDelimited();
    return this.valueEnd - start;
  }

  string(): string {
    const start = this.lengthDelimited();
    return utf8(this.buf, start, this.valueEnd);
  }

  /** Skips the current field. */
  skip(): void {
    switch (this.wire) {
      case 0:
        this.varint();
        return;
      case 1:
        this.advance(8);
        return;
      case 2:
        this.lengthDelimited();
        return;
      case 5:
        this.advance(4);
        return;
      default:
        throw new Error(`protobuf: unsupported wire type ${this.wire} (field ${this.field})`);
    }
  }

  private advance(n: number): void {
    if (n > this.end - this.pos) throw new Error('protobuf: truncated fixed-size field');
    this.pos += n;
  }

  private expect(wire: number): void {
    if (this.wire !== wire) throw new Error(`protobuf: field ${this.field} has wire type ${this.wire}, expected ${wire}`);
  }
}
