import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';

import { MARBLE_DOC_TYPE, Marble, marbleToJSON, parseMarble } from './marble';

/** Secondary index so marbles can be found by color without a rich query. */
export const COLOR_INDEX = 'color~name';

/** Upper bound of simulateWork's wait, so a mistyped argument cannot hold a replica for long. */
export const MAX_SIMULATED_WORK_MS = 30_000;

/** Upper bound of simulateCpuWork's busy time: the replica serves nothing else meanwhile. */
export const MAX_SIMULATED_CPU_MS = 1000;

// The peer stores an index entry's key only; the value just has to be non-empty.
const INDEX_VALUE = Uint8Array.of(0x00);

@Info({
  title: 'Marbles',
  description: "Fabric's marbles sample: create, transfer, query and delete marbles",
})
export class MarblesContract extends Contract {
  constructor() {
    // The explicit name keeps metadata stable; being first in `contracts`
    // is what makes it the default, so bare function names route here.
    super('marbles');
  }

  @Transaction()
  @Returns('string')
  async initMarble(ctx: Context, name: string, color: string, size: string, owner: string): Promise<string> {
    const marbleName = requireText('name', name);
    const marble: Marble = {
      docType: MARBLE_DOC_TYPE,
      name: marbleName,
      color: requireText('color', color).toLowerCase(),
      size: parseSize(size),
      owner: requireText('owner', owner).toLowerCase(),
    };

    const existing = await ctx.stub.getState(marbleName);
    if (existing && existing.length > 0) {
      throw new Error(`marble ${marbleName} already exists`);
    }

    const json = marbleToJSON(marble);
    await ctx.stub.putState(marbleName, Buffer.from(json));
    await ctx.stub.putState(ctx.stub.createCompositeKey(COLOR_INDEX, [marble.color, marbleName]), INDEX_VALUE);
    return json;
  }

  @Transaction(false)
  @Returns('string')
  async readMarble(ctx: Context, name: string): Promise<string> {
    return marbleToJSON(await this.loadMarble(ctx, requireText('name', name)));
  }

  @Transaction()
  @Returns('string')
  async transferMarble(ctx: Context, name: string, newOwner: string): Promise<string> {
    const marble = await this.loadMarble(ctx, requireText('name', name));
    marble.owner = requireText('newOwner', newOwner).toLowerCase();
    const json = marbleToJSON(marble);
    await ctx.stub.putState(marble.name, Buffer.from(json));
    return json;
  }

  @Transaction()
  @Returns('string')
  async transferMarblesBasedOnColor(ctx: Context, color: string, newOwner: string): Promise<string> {
    // Colors are stored lowercased, so match the query the same way.
    const wantedColor = requireText('color', color).toLowerCase();
    const owner = requireText('newOwner', newOwner).toLowerCase();

    // Collect names first so the iterator is closed before any writes.
    const names: string[] = [];
    const iterator = await ctx.stub.getStateByPartialCompositeKey(COLOR_INDEX, [wantedColor]);
    try {
      for (let res = await iterator.next(); !res.done; res = await iterator.next()) {
        const { attributes } = ctx.stub.splitCompositeKey(res.value.key);
        const marbleName = attributes[1];
        if (marbleName !== undefined) {
          names.push(marbleName);
        }
      }
    } finally {
      await iterator.close();
    }

    for (const marbleName of names) {
      const marble = await this.loadMarble(ctx, marbleName);
      marble.owner = owner;
      await ctx.stub.putState(marbleName, Buffer.from(marbleToJSON(marble)));
    }

    const list = names.length > 0 ? `: ${names.join(', ')}` : '';
    return `transferred ${names.length} marble(s) of color ${wantedColor} to ${owner}${list}`;
  }

  @Transaction()
  @Returns('string')
  async delete(ctx: Context, name: string): Promise<string> {
    const marble = await this.loadMarble(ctx, requireText('name', name));
    await ctx.stub.deleteState(marble.name);
    await ctx.stub.deleteState(ctx.stub.createCompositeKey(COLOR_INDEX, [marble.color, marble.name]));
    return `marble ${marble.name} deleted`;
  }

  @Transaction(false)
  @Returns('string')
  async getMarblesByRange(ctx: Context, startName: string, endName: string): Promise<string> {
    // Empty bounds are allowed: Fabric treats them as open-ended.
    const start = requireString('startName', startName);
    const end = requireString('endName', endName);

    const results: Array<{ Key: string; Record: unknown }> = [];
    const iterator = await ctx.stub.getStateByRange(start, end);
    try {
      for (let res = await iterator.next(); !res.done; res = await iterator.next()) {
        results.push({
          Key: res.value.key,
          Record: JSON.parse(Buffer.from(res.value.value).toString('utf8')),
        });
      }
    } finally {
      await iterator.close();
    }
    return JSON.stringify(results);
  }

  @Transaction(false)
  @Returns('string')
  async getHistoryForMarble(ctx: Context, name: string): Promise<string> {
    const marbleName = requireText('name', name);

    const results: Array<{ TxId: string; Timestamp: string; IsDelete: boolean; Value: unknown }> = [];
    const iterator = await ctx.stub.getHistoryForKey(marbleName);
    try {
      for (let res = await iterator.next(); !res.done; res = await iterator.next()) {
        const mod = res.value;
        results.push({
          TxId: mod.txId,
          Timestamp: timestampToISO(mod.timestamp),
          IsDelete: mod.isDelete,
          // A delete carries an empty value, so there is nothing to parse.
          Value: mod.isDelete ? null : JSON.parse(Buffer.from(mod.value).toString('utf8')),
        });
      }
    } finally {
      await iterator.close();
    }
    return JSON.stringify(results);
  }

  /**
   * Which deployment answers: the version in the package label the replica was started with
   * (MICTRACT_PACKAGE_ID, e.g. marbles_1.1:<sha256>). Not part of Fabric's sample: Mictract's
   * upgrade tests use it to see the new version answer. Every replica of one package gives the same answer.
   */
  @Transaction(false)
  @Returns('string')
  async about(_ctx: Context): Promise<string> {
    const packageId = process.env.MICTRACT_PACKAGE_ID ?? '';
    const label = packageId.split(':')[0] ?? '';
    return JSON.stringify({ packageId, version: label.includes('_') ? label.slice(label.lastIndexOf('_') + 1) : '' });
  }

  /**
   * Test hook, not part of Fabric's sample: waits `ms` milliseconds (0 to 30000), touches no state
   * and answers how long it waited. Mictract's live alert test (dashboards/) calls it to make one
   * function slow without slowing any real marbles function. Safe to leave deployed: it reads and
   * writes nothing, and the wait is bounded.
   */
  @Transaction(false)
  @Returns('string')
  async simulateWork(_ctx: Context, ms: string): Promise<string> {
    const wait = millisecondsUpTo('ms', ms, MAX_SIMULATED_WORK_MS);
    await new Promise((resolve) => setTimeout(resolve, wait));
    return JSON.stringify({ waitedMs: wait });
  }

  /**
   * Test hook, not part of Fabric's sample: keeps the CPU busy for `ms` milliseconds (0 to 1000) with plain
   * JavaScript arithmetic, touches no state and answers how many rounds that took. Mictract's profiling
   * test and benchmark call it so that one function stands out in a CPU profile. The bound keeps a mistyped
   * argument from holding a replica's one thread for long.
   */
  @Transaction(false)
  @Returns('string')
  async simulateCpuWork(_ctx: Context, ms: string): Promise<string> {
    const busy = millisecondsUpTo('ms', ms, MAX_SIMULATED_CPU_MS);
    // the loop is here, not in a helper V8 might inline into a caller, so that a profile names this function
    const until = performance.now() + busy;
    let x = 0x9e3779b9;
    let rounds = 0;
    do {
      for (let i = 0; i < 10_000; i++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
      }
      rounds++;
    } while (performance.now() < until);
    // x is never 0 after a round; using it keeps the loop from being optimized away
    return JSON.stringify({ busyMs: busy, rounds: x === 0 ? 0 : rounds });
  }

  /**
   * Test hook, not part of Fabric's sample: always fails with `simulated failure: <message>`, touching
   * no state. Mictract's live alert test calls it to make one function fail without breaking any
   * real marbles function.
   */
  @Transaction(false)
  @Returns('string')
  async simulateFailure(_ctx: Context, message: string): Promise<string> {
    throw new Error(`simulated failure: ${requireString('message', message)}`);
  }

  private async loadMarble(ctx: Context, name: string): Promise<Marble> {
    const bytes = await ctx.stub.getState(name);
    if (!bytes || bytes.length === 0) {
      throw new Error(`marble ${name} does not exist`);
    }
    return parseMarble(bytes);
  }
}

function requireString(argName: string, value: unknown): string {
  if (typeof value !== 'string') {
    throw new Error(`argument ${argName} must be a string`);
  }
  // U+0000 delimits composite keys; allowing it would corrupt the color index.
  if (value.includes('\u0000')) {
    throw new Error(`argument ${argName} must not contain the U+0000 character`);
  }
  return value;
}

function requireText(argName: string, value: unknown): string {
  const text = requireString(argName, value);
  if (text.trim() === '') {
    throw new Error(`argument ${argName} must be a non-empty string`);
  }
  return text;
}

/** A whole number of milliseconds from 0 to `max`, written in digits only. */
function millisecondsUpTo(argName: string, value: unknown, max: number): number {
  const text = requireText(argName, value);
  const ms = /^[0-9]+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(ms) || ms > max) {
    throw new Error(`argument ${argName} must be an integer from 0 to ${max}, got "${text}"`);
  }
  return ms;
}

function parseSize(value: unknown): number {
  const text = requireText('size', value);
  // Stricter than Number(): rejects '1e3', '0x10', ' 5', '-1' and '2.5'.
  const size = /^[0-9]+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(size) || size <= 0) {
    throw new Error(`argument size must be a positive integer, got "${text}"`);
  }
  return size;
}

/**
 * History timestamps arrive as protobuf objects: the typings say `seconds`
 * is a Long, but fabric-shim 2.5 actually hands over a plain number.
 */
function timestampToISO(ts: { seconds: unknown; nanos: number }): string {
  const { seconds } = ts;
  let secs: number;
  if (typeof seconds === 'number') {
    secs = seconds;
  } else if (typeof seconds === 'string' || typeof seconds === 'bigint') {
    secs = Number(seconds);
  } else if (
    typeof seconds === 'object' &&
    seconds !== null &&
    typeof (seconds as { toNumber?: unknown }).toNumber === 'function'
  ) {
    secs = (seconds as { toNumber(): number }).toNumber();
  } else {
    throw new Error('history entry has no usable timestamp');
  }
  return new Date(secs * 1000 + Math.floor((ts.nanos ?? 0) / 1e6)).toISOString();
}
