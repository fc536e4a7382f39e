import { formatBytes, formatCores, formatPercent, formatRate, formatSeconds, formatTime, relativeDays } from './format';

describe('format', () => {
  it('formats numbers people read on call', () => {
    expect(formatRate(3.456)).toBe('3.46/s');
    expect(formatRate(undefined)).toBe('—');
    expect(formatPercent(0.005)).toBe('0.50%');
    expect(formatPercent(NaN)).toBe('—');
    expect(formatSeconds(0.0123)).toBe('12 ms');
    expect(formatSeconds(2)).toBe('2.00 s');
    expect(formatSeconds(Infinity)).toBe('—');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatCores(0.04)).toBe('40 m');
    expect(formatTime('2026-11-29T08:27:34.890Z')).toBe('2026-11-29 08:27:34 UTC');
    expect(relativeDays(3 * 86_400_000, 0)).toBe('in 3 days');
    expect(relativeDays(0, 86_400_000)).toBe('1 day ago');
  });
});
