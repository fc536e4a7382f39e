// Number and time formatting for the pages. Pure.

export function formatRate(perSecond: number | undefined): string {
  if (perSecond === undefined || Number.isNaN(perSecond)) {
    return '—';
  }
  return perSecond >= 10 ? `${perSecond.toFixed(0)}/s` : `${perSecond.toFixed(2)}/s`;
}

export function formatPercent(ratio: number | undefined): string {
  if (ratio === undefined || Number.isNaN(ratio)) {
    return '—';
  }
  return `${(ratio * 100).toFixed(ratio > 0 && ratio < 0.01 ? 2 : 1)}%`;
}

export function formatSeconds(s: number | undefined): string {
  if (s === undefined || Number.isNaN(s) || !Number.isFinite(s)) {
    return '—';
  }
  if (s < 1) {
    return `${(s * 1000).toFixed(s < 0.01 ? 1 : 0)} ms`;
  }
  return `${s.toFixed(2)} s`;
}

export function formatBytes(b: number | undefined): string {
  if (b === undefined || Number.isNaN(b)) {
    return '—';
  }
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let v = b;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

export function formatCores(c: number | undefined): string {
  if (c === undefined || Number.isNaN(c)) {
    return '—';
  }
  return c < 1 ? `${(c * 1000).toFixed(0)} m` : `${c.toFixed(2)}`;
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) {
    return '—';
  }
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? iso
    : d
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, ' UTC');
}

/** "in 364 days" / "3 days ago", relative to `now` (ms). */
export function relativeDays(targetMs: number, nowMs: number): string {
  const days = Math.round((targetMs - nowMs) / 86_400_000);
  if (days === 0) {
    return 'today';
  }
  return days > 0 ? `in ${days} day${days === 1 ? '' : 's'}` : `${-days} day${days === -1 ? '' : 's'} ago`;
}
