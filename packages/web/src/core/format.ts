/** Short human forms of durations, percentages and latencies. */

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  if (ms < 86_400_000) return `${+(ms / 3_600_000).toFixed(1)} h`;
  return `${+(ms / 86_400_000).toFixed(1)} d`;
}

export function formatPercent(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  if (value === 100) return '100%';
  return `${value.toFixed(value >= 99 ? 2 : 1)}%`;
}

/** "3 min ago", "in 2 h". */
export function formatRelative(ms: number, now = Date.now()): string {
  const diff = ms - now;
  const text = formatMs(Math.abs(diff));
  if (Math.abs(diff) < 1000) return 'just now';
  return diff < 0 ? `${text} ago` : `in ${text}`;
}

export function toMs(at: string | number | null | undefined): number | undefined {
  if (at === null || at === undefined) return undefined;
  const ms = typeof at === 'number' ? at : Date.parse(at);
  return Number.isFinite(ms) ? ms : undefined;
}
