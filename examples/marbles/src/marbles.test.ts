import { Context } from 'fabric-contract-api';

import { contracts } from './index';
import { MarblesContract } from './marbles';
import { MemoryStub, contextFor } from './testing/memoryStub';

interface HistoryItem {
  TxId: string;
  Timestamp: string;
  IsDelete: boolean;
  Value: unknown;
}

describe('MarblesContract', () => {
  let stub: MemoryStub;
  let ctx: Context;
  let contract: MarblesContract;
  let txCount: number;

  // Each call is its own transaction, as a client submitting one proposal at a time.
  function tx<T>(fn: (c: MarblesContract, ctx: Context) => Promise<T>, txId = `tx${++txCount}`): Promise<T> {
    return stub.transact(txId, () => fn(contract, ctx));
  }

  beforeEach(() => {
    stub = new MemoryStub();
    ctx = contextFor(stub);
    contract = new MarblesContract();
    txCount = 0;
  });

  afterEach(() => {
    expect(stub.openIterators).toBe(0);
  });

  it('is the only exported contract, named marbles, so bare function names reach it', () => {
    expect(contracts).toEqual([MarblesContract]);
    expect(new MarblesContract().getName()).toBe('marbles');
  });

  it('creates a marble and reads it back with fixed field order and lowercased color/owner', async () => {
    await tx((c, x) => c.initMarble(x, 'marble1', 'Blue', '35', 'Tom'));

    const json = await tx((c, x) => c.readMarble(x, 'marble1'));
    expect(json).toBe('{"docType":"marble","name":"marble1","color":"blue","size":35,"owner":"tom"}');
  });

  it('writes the color~name index entry with a single 0x00 byte', async () => {
    await tx((c, x) => c.initMarble(x, 'marble1', 'blue', '35', 'tom'));

    const key = stub.createCompositeKey('color~name', ['blue', 'marble1']);
    expect(key).toBe('\u0000color~name\u0000blue\u0000marble1\u0000');
    expect(Buffer.from(await stub.getState(key))).toEqual(Buffer.from([0x00]));
  });

  it('refuses to create a marble that already exists and keeps the original', async () => {
    await tx((c, x) => c.initMarble(x, 'marble1', 'blue', '35', 'tom'));

    await expect(tx((c, x) => c.initMarble(x, 'marble1', 'red', '50', 'jerry'))).rejects.toThrow(
      'marble marble1 already exists',
    );
    expect(JSON.parse(await tx((c, x) => c.readMarble(x, 'marble1')))).toMatchObject({ color: 'blue', owner: 'tom' });
  });

  it('transfers a marble and the history lists both transactions, newest first like a Fabric 2.x peer', async () => {
    await tx((c, x) => c.initMarble(x, 'marble1', 'blue', '35', 'tom'), 'tx-create');
    await tx((c, x) => c.transferMarble(x, 'marble1', 'Jerry'), 'tx-transfer');

    expect(JSON.parse(await tx((c, x) => c.readMarble(x, 'marble1')))).toMatchObject({ owner: 'jerry' });

    const history = JSON.parse(await tx((c, x) => c.getHistoryForMarble(x, 'marble1'))) as HistoryItem[];
    expect(history.map((h) => h.TxId)).toEqual(['tx-transfer', 'tx-create']);
    expect(history.map((h) => h.IsDelete)).toEqual([false, false]);
    expect(history.map((h) => (h.Value as { owner: string }).owner)).toEqual(['jerry', 'tom']);
    expect(Object.keys(history[0] ?? {})).toEqual(['TxId', 'Timestamp', 'IsDelete', 'Value']);
    for (const h of history) {
      expect(new Date(h.Timestamp).toISOString()).toBe(h.Timestamp);
    }
    expect(Date.parse(history[0]?.Timestamp ?? '')).toBeGreaterThan(Date.parse(history[1]?.Timestamp ?? ''));
  });

  it('fails to transfer a marble that does not exist', async () => {
    await expect(tx((c, x) => c.transferMarble(x, 'ghost', 'jerry'))).rejects.toThrow('marble ghost does not exist');
  });

  it('returns exactly the marbles in [startName, endName) from a range query, without index entries', async () => {
    for (const name of ['marble1', 'marble2', 'marble3', 'marble4']) {
      await tx((c, x) => c.initMarble(x, name, 'blue', '10', 'tom'));
    }

    const range = JSON.parse(await tx((c, x) => c.getMarblesByRange(x, 'marble2', 'marble4'))) as Array<{
      Key: string;
      Record: { name: string };
    }>;
    expect(range.map((r) => r.Key)).toEqual(['marble2', 'marble3']);
    expect(range.map((r) => r.Record.name)).toEqual(['marble2', 'marble3']);

    // Open-ended bounds return every marble but never a color~name entry.
    const all = JSON.parse(await tx((c, x) => c.getMarblesByRange(x, '', ''))) as Array<{ Key: string }>;
    expect(all.map((r) => r.Key)).toEqual(['marble1', 'marble2', 'marble3', 'marble4']);
  });

  it('transfers only the marbles of the given color', async () => {
    await tx((c, x) => c.initMarble(x, 'marble1', 'blue', '10', 'tom'));
    await tx((c, x) => c.initMarble(x, 'marble2', 'red', '20', 'tom'));
    await tx((c, x) => c.initMarble(x, 'marble3', 'blue', '30', 'tom'));

    const message = await tx((c, x) => c.transferMarblesBasedOnColor(x, 'Blue', 'Jerry'));
    expect(message).toBe('transferred 2 marble(s) of color blue to jerry: marble1, marble3');

    const owners: Record<string, string> = {};
    for (const name of ['marble1', 'marble2', 'marble3']) {
      owners[name] = (JSON.parse(await tx((c, x) => c.readMarble(x, name))) as { owner: string }).owner;
    }
    expect(owners).toEqual({ marble1: 'jerry', marble2: 'tom', marble3: 'jerry' });
  });

  it('reports zero transfers when no marble has the color', async () => {
    await tx((c, x) => c.initMarble(x, 'marble1', 'blue', '10', 'tom'));
    expect(await tx((c, x) => c.transferMarblesBasedOnColor(x, 'green', 'jerry'))).toBe(
      'transferred 0 marble(s) of color green to jerry',
    );
  });

  it('deletes a marble: reads then fail clearly, the index entry is gone and history ends with a delete', async () => {
    await tx((c, x) => c.initMarble(x, 'marble1', 'blue', '35', 'tom'), 'tx-create');
    await tx((c, x) => c.delete(x, 'marble1'), 'tx-delete');

    await expect(tx((c, x) => c.readMarble(x, 'marble1'))).rejects.toThrow('marble marble1 does not exist');
    expect(await stub.getState(stub.createCompositeKey('color~name', ['blue', 'marble1']))).toHaveLength(0);
    expect(await tx((c, x) => c.transferMarblesBasedOnColor(x, 'blue', 'jerry'))).toBe(
      'transferred 0 marble(s) of color blue to jerry',
    );

    const history = JSON.parse(await tx((c, x) => c.getHistoryForMarble(x, 'marble1'))) as HistoryItem[];
    expect(history.map((h) => [h.TxId, h.IsDelete, h.Value === null])).toEqual([
      ['tx-delete', true, true],
      ['tx-create', false, false],
    ]);
  });

  it('fails to delete a marble that does not exist', async () => {
    await expect(tx((c, x) => c.delete(x, 'ghost'))).rejects.toThrow('marble ghost does not exist');
  });

  it('can recreate a marble after deleting it', async () => {
    await tx((c, x) => c.initMarble(x, 'marble1', 'blue', '35', 'tom'));
    await tx((c, x) => c.delete(x, 'marble1'));
    await tx((c, x) => c.initMarble(x, 'marble1', 'red', '5', 'ann'));
    expect(JSON.parse(await tx((c, x) => c.readMarble(x, 'marble1')))).toMatchObject({ color: 'red', size: 5 });
  });

  it('returns an empty history for a marble that never existed', async () => {
    expect(await tx((c, x) => c.getHistoryForMarble(x, 'ghost'))).toBe('[]');
  });

  describe('test hooks (not part of the sample)', () => {
    it('simulateWork waits the given milliseconds and touches no state', async () => {
      const started = Date.now();
      await expect(tx((c, x) => c.simulateWork(x, '120'))).resolves.toBe('{"waitedMs":120}');
      expect(Date.now() - started).toBeGreaterThanOrEqual(110);
      await expect(tx((c, x) => c.simulateWork(x, '0'))).resolves.toBe('{"waitedMs":0}');
      await expect(tx((c, x) => c.getMarblesByRange(x, '', ''))).resolves.toBe('[]');
    });

    it('simulateWork refuses a wait that is not an integer from 0 to 30000', async () => {
      for (const bad of ['-1', '1.5', 'abc', '30001', ''])
        await expect(tx((c, x) => c.simulateWork(x, bad))).rejects.toThrow(/argument ms must be/);
    });

    it('simulateCpuWork hashes for the given milliseconds, touches no state and refuses more than 1000', async () => {
      const result = JSON.parse(await tx((c, x) => c.simulateCpuWork(x, '30'))) as { busyMs: number; rounds: number };
      expect(result.busyMs).toBe(30);
      expect(result.rounds).toBeGreaterThanOrEqual(1);
      await expect(tx((c, x) => c.getMarblesByRange(x, '', ''))).resolves.toBe('[]');
      for (const bad of ['-1', '1.5', 'abc', '1001'])
        await expect(tx((c, x) => c.simulateCpuWork(x, bad))).rejects.toThrow(/argument ms must be an integer from 0 to 1000/);
      await expect(tx((c, x) => c.simulateCpuWork(x, ''))).rejects.toThrow('argument ms must be a non-empty string');
    });

    it('simulateFailure always fails with its message', async () => {
      await expect(tx((c, x) => c.simulateFailure(x, 'boom'))).rejects.toThrow('simulated failure: boom');
      await expect(tx((c, x) => c.getMarblesByRange(x, '', ''))).resolves.toBe('[]');
    });
  });

  describe('argument validation', () => {
    it.each([
      ['name', ['', 'blue', '35', 'tom']],
      ['name', ['   ', 'blue', '35', 'tom']],
      ['color', ['marble1', '', '35', 'tom']],
      ['owner', ['marble1', 'blue', '35', '']],
      ['size', ['marble1', 'blue', '', 'tom']],
    ])('initMarble rejects an empty %s', async (argName, args) => {
      const [name, color, size, owner] = args as [string, string, string, string];
      await expect(tx((c, x) => c.initMarble(x, name, color, size, owner))).rejects.toThrow(
        `argument ${argName} must be a non-empty string`,
      );
    });

    it.each(['abc', '0', '-3', '2.5', '1e3', ' 7', '99999999999999999999'])(
      'initMarble rejects size %j',
      async (size) => {
        await expect(tx((c, x) => c.initMarble(x, 'marble1', 'blue', size, 'tom'))).rejects.toThrow(
          `argument size must be a positive integer, got "${size}"`,
        );
      },
    );

    it('rejects names containing U+0000, which would corrupt the color index', async () => {
      await expect(tx((c, x) => c.initMarble(x, 'a\u0000b', 'blue', '1', 'tom'))).rejects.toThrow(
        'argument name must not contain the U+0000 character',
      );
    });

    it('rejects an empty newOwner and an empty color for transfers', async () => {
      await tx((c, x) => c.initMarble(x, 'marble1', 'blue', '35', 'tom'));
      await expect(tx((c, x) => c.transferMarble(x, 'marble1', ''))).rejects.toThrow(
        'argument newOwner must be a non-empty string',
      );
      await expect(tx((c, x) => c.transferMarblesBasedOnColor(x, '', 'jerry'))).rejects.toThrow(
        'argument color must be a non-empty string',
      );
    });

    it.each<[string, (c: MarblesContract, x: Context) => Promise<string>]>([
      ['readMarble', (c, x) => c.readMarble(x, '')],
      ['transferMarble', (c, x) => c.transferMarble(x, '', 'jerry')],
      ['delete', (c, x) => c.delete(x, '')],
      ['getHistoryForMarble', (c, x) => c.getHistoryForMarble(x, '')],
    ])('%s rejects an empty name', async (_fn, call) => {
      await expect(tx(call)).rejects.toThrow('argument name must be a non-empty string');
    });

    it('a failed transaction leaves no partial writes', async () => {
      await expect(tx((c, x) => c.initMarble(x, 'marble1', 'blue', 'big', 'tom'))).rejects.toThrow(/size/);
      expect(await tx((c, x) => c.getMarblesByRange(x, '', ''))).toBe('[]');
      expect(await tx((c, x) => c.getHistoryForMarble(x, 'marble1'))).toBe('[]');
    });
  });
});
