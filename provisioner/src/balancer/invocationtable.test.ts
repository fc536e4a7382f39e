import { InvocationTable } from './invocationtable';

describe('InvocationTable', () => {
  it('assigns, counts and releases by key', () => {
    const t = new InvocationTable<string>();
    t.assign('ch/1', 'a');
    t.assign('ch/2', 'a');
    t.assign('ch/3', 'b');
    expect(t.holder('ch/2')).toBe('a');
    expect([t.inFlight('a'), t.inFlight('b'), t.size]).toEqual([2, 1, 3]);
    expect(t.release('ch/2')).toBe(true);
    expect(t.release('ch/2')).toBe(false);
    expect(t.inFlight('a')).toBe(1);
    expect(() => t.assign('ch/1', 'b')).toThrow(/already assigned/);
  });

  it('drops every invocation of a lost replica and only those', () => {
    const t = new InvocationTable<string>();
    t.assign('x/1', 'a');
    t.assign('x/2', 'b');
    t.assign('y/1', 'a');
    expect(t.drop('a').sort()).toEqual(['x/1', 'y/1']);
    expect(t.holder('x/1')).toBeUndefined();
    expect(t.holder('x/2')).toBe('b');
    expect(t.size).toBe(1);
  });

  it('picks the least loaded replica, rotating among equals', () => {
    const t = new InvocationTable<string>();
    const rs = ['a', 'b', 'c'];
    expect([0, 1, 2, 3].map((s) => t.leastInFlight(rs, s))).toEqual(['a', 'b', 'c', 'a']);
    t.assign('k/1', 'a');
    t.assign('k/2', 'b');
    expect(t.leastInFlight(rs, 0)).toBe('c');
    expect(t.leastInFlight([], 0)).toBeUndefined();
  });
});
