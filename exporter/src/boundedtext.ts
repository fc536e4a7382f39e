// Chaincode arguments are the caller's bytes: any size, any encoding. The exporter keeps them for the
// ledger explorer, cut to a bounded size so one huge argument never costs unbounded memory.

/** At most this many arguments are kept per transaction; the rest are summarised in one entry. */
export const MAX_ARGS = 16;
/** At most this many bytes of each argument are kept. */
export const MAX_ARG_BYTES = 256;

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * One argument as text: UTF-8 when it is valid UTF-8 without control characters (tab and newline
 * allowed), otherwise `0x` and hex. Longer than `maxBytes`, it is cut and ends with `…(+N bytes)`.
 */
export function boundedArg(bytes: Uint8Array, maxBytes = MAX_ARG_BYTES): string {
  const cut = bytes.length > maxBytes;
  const head = cut ? bytes.subarray(0, maxBytes) : bytes;
  const suffix = cut ? `…(+${bytes.length - maxBytes} bytes)` : '';
  const text = asText(head, cut);
  return (text ?? '0x' + Buffer.from(head.buffer, head.byteOffset, head.byteLength).toString('hex')) + suffix;
}

function asText(bytes: Uint8Array, mayEndMidCharacter: boolean): string | undefined {
  let text: string;
  try {
    // a cut may end inside a character: a fresh streaming decoder leaves that partial one out
    text = mayEndMidCharacter ? new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: true }) : decoder.decode(bytes);
  } catch {
    return undefined;
  }
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u0008\u000b-\u001f\u007f]/.test(text) ? undefined : text;
}

/** The arguments, each bounded, at most `maxArgs` of them (then one entry saying how many more). */
export function boundedArgs(args: readonly Uint8Array[], maxArgs = MAX_ARGS, maxBytes = MAX_ARG_BYTES): string[] {
  const kept = args.slice(0, maxArgs).map((a) => boundedArg(a, maxBytes));
  if (args.length > maxArgs) kept.push(`…(+${args.length - maxArgs} arguments)`);
  return kept;
}
