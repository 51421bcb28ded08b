export interface SparklineProps {
  /** Values oldest first; null is a gap (a failed check). */
  values: (number | null)[];
  width?: number;
  height?: number;
  /** Accessible text, such as "latency, last 30 checks". */
  label: string;
}

/** A tiny SVG line (no chart library), scaled from 0 to the highest value. */
export function Sparkline({ values, width = 96, height = 24, label }: SparklineProps) {
  const nums = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (nums.length === 0)
    return (
      <svg class="sparkline" width={width} height={height} role="img" aria-label={`${label}: no data`}>
        <line x1="0" y1={height - 1} x2={width} y2={height - 1} class="sparkline-empty" />
      </svg>
    );
  const max = Math.max(...nums, 1);
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  const segments: string[] = [];
  let current = '';
  values.forEach((v, i) => {
    if (v === null || !Number.isFinite(v)) {
      if (current) segments.push(current);
      current = '';
      return;
    }
    const x = (i * step).toFixed(1);
    const y = (height - 2 - (v / max) * (height - 4)).toFixed(1);
    current += `${current ? ' L' : 'M'}${x},${y}`;
  });
  if (current) segments.push(current);
  const lastValue = nums[nums.length - 1];
  return (
    <svg class="sparkline" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img">
      <title>{`${label}: latest ${Math.round(lastValue)} ms, highest ${Math.round(max)} ms`}</title>
      {segments.map((d) => (
        <path key={d} d={d.length === 0 || !d.includes('L') ? `${d} l0.1,0` : d} class="sparkline-line" />
      ))}
    </svg>
  );
}
