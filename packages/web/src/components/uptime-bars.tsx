export interface UptimeBucket {
  /** Share of good checks, 0 to 1; null when nothing was checked. */
  up: number | null;
  /** What the bar's tooltip says (a time or range). */
  label: string;
}

export interface UptimeBarsProps {
  buckets: UptimeBucket[];
  width?: number;
  height?: number;
  /** Accessible text, such as "last 30 checks". */
  label: string;
}

function tone(up: number | null): string {
  if (up === null) return 'uptime-none';
  if (up >= 0.999) return 'uptime-good';
  if (up >= 0.95) return 'uptime-warn';
  return 'uptime-bad';
}

/** One bar per bucket, coloured by its share of good checks (green, amber, red; grey without data). */
export function UptimeBars({ buckets, width = 120, height = 20, label }: UptimeBarsProps) {
  const n = Math.max(buckets.length, 1);
  const bar = width / n;
  const known = buckets.filter((b) => b.up !== null);
  const share = known.length ? known.reduce((s, b) => s + (b.up ?? 0), 0) / known.length : null;
  const summary = share === null ? 'no data' : `${(share * 100).toFixed(1)}% good`;
  return (
    <svg class="uptime-bars" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img">
      <title>{`${label}: ${summary}`}</title>
      {buckets.map((b, i) => (
        <rect key={i} x={i * bar + 0.5} y={0} width={Math.max(1, bar - 1)} height={height} rx={1} class={tone(b.up)}>
          <title>{`${b.label}: ${b.up === null ? 'no data' : `${(b.up * 100).toFixed(1)}% up`}`}</title>
        </rect>
      ))}
    </svg>
  );
}
