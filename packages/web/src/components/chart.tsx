/**
 * A time chart with uPlot, loaded on first use (it stays out of the app shell). Resizes with its box, takes its
 * colours from the theme's CSS variables (redrawn when the theme changes), and can draw a threshold line and
 * state bands behind the series.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type uPlot from 'uplot';
import { useStore } from '../core/store.js';
import { effectiveTheme } from '../core/theme.js';

export interface ChartSeries {
  label: string;
  /** Shown after values in the legend ("ms"). */
  unit?: string;
  /** A CSS variable name or colour; the theme's chart colour by default. */
  color?: string;
  /** Points only (no line), for sparse data such as runs. */
  points?: boolean;
}

export interface ChartBand {
  /** Start and end, epoch seconds. */
  from: number;
  to: number;
  /** The state of the band: its colour (ALARM red, OK green, others grey). */
  state: string;
}

export interface ChartProps {
  /** uPlot's aligned data: x values (epoch seconds) first, then one array per series (null for gaps). */
  data: [number[], ...(number | null)[][]];
  series: ChartSeries[];
  /** Accessible description of the chart. */
  label: string;
  height?: number;
  threshold?: { value: number; label?: string };
  bands?: ChartBand[];
  /** The lowest y shown (0 by default; undefined to fit the data). */
  yMin?: number | null;
}

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

function colourOf(c: string | undefined, fallback: string): string {
  if (!c) return cssVar(fallback);
  return c.startsWith('--') ? cssVar(c) : c;
}

function bandColour(state: string): string {
  const s = state.toUpperCase();
  if (s === 'ALARM' || s === 'DOWN') return cssVar('--band-bad');
  if (s === 'OK' || s === 'UP') return cssVar('--band-good');
  return cssVar('--band-neutral');
}

function options(latest: { current: ChartProps }, width: number): uPlot.Options {
  const props = latest.current;
  const axis = {
    stroke: cssVar('--fg-muted'),
    grid: { stroke: cssVar('--chart-grid'), width: 1 },
    ticks: { show: false },
  };
  const drawBands = (u: uPlot) => {
    const ctx = u.ctx;
    for (const b of latest.current.bands ?? []) {
      const x0 = u.valToPos(b.from, 'x', true);
      const x1 = u.valToPos(b.to, 'x', true);
      ctx.fillStyle = bandColour(b.state);
      ctx.fillRect(x0, u.bbox.top, Math.max(1, x1 - x0), u.bbox.height);
    }
  };
  const drawThreshold = (u: uPlot) => {
    const threshold = latest.current.threshold;
    if (!threshold) return;
    const y = u.valToPos(threshold.value, 'y', true);
    const ctx = u.ctx;
    ctx.save();
    ctx.strokeStyle = cssVar('--bad');
    ctx.setLineDash([6, 4]);
    ctx.lineWidth = 1.5 * devicePixelRatio;
    ctx.beginPath();
    ctx.moveTo(u.bbox.left, y);
    ctx.lineTo(u.bbox.left + u.bbox.width, y);
    ctx.stroke();
    ctx.restore();
  };
  const yMin = props.yMin === undefined ? 0 : props.yMin;
  return {
    width,
    height: props.height ?? 240,
    series: [
      {},
      ...props.series.map((s) => ({
        label: s.label,
        stroke: colourOf(s.color, '--chart-line'),
        width: 1.5,
        spanGaps: false,
        // Lines show their points only while there is room for them (uPlot's default): one check is a dot.
        points: s.points ? { show: true, size: 6 } : { size: 5 },
        paths: s.points ? () => null : undefined,
        value: (_u: uPlot, v: number | null) => (v === null ? '—' : `${+v.toFixed(2)}${s.unit ? ` ${s.unit}` : ''}`),
      })),
    ],
    axes: [axis, { ...axis, size: 56 }],
    scales: {
      // One point alone would be auto-ranged over years: an hour either side of it instead.
      x: props.data[0].length < 2 ? { time: true, range: (_u, min) => [min - 3600, min + 3600] } : { time: true },
      y: {
        range: (_u, min, max) => {
          const top = Math.max(max, latest.current.threshold?.value ?? max) * 1.1 || 1;
          return [yMin === null ? min : Math.min(yMin, min), top];
        },
      },
    },
    cursor: { drag: { x: true, y: false } },
    legend: { show: true },
    hooks: { drawClear: [drawBands], draw: [drawThreshold] },
  };
}

/** A uPlot chart of time series; see ChartProps. */
export function Chart(props: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const [failed, setFailed] = useState(false);
  const theme = useStore(effectiveTheme);
  // The draw hooks read the latest bands and threshold: new ones redraw, without a new chart.
  const latest = useRef(props);
  latest.current = props;

  useEffect(() => {
    let cancelled = false;
    let observer: ResizeObserver | undefined;
    Promise.all([import('uplot'), import('uplot/dist/uPlot.min.css')]).then(
      ([mod]) => {
        if (cancelled || !box.current) return;
        const U = mod.default;
        const el = box.current;
        plot.current = new U(options(latest, el.clientWidth || 600), latest.current.data as uPlot.AlignedData, el);
        observer = new ResizeObserver(() => {
          if (plot.current && el.clientWidth > 0)
            plot.current.setSize({ width: el.clientWidth, height: props.height ?? 240 });
        });
        observer.observe(el);
      },
      () => setFailed(true),
    );
    return () => {
      cancelled = true;
      observer?.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, [theme, props.series.length, props.height, props.data[0].length < 2]);

  useEffect(() => {
    plot.current?.setData(props.data as uPlot.AlignedData);
  }, [props.data, props.bands, props.threshold?.value]);

  if (failed) return <p class="state state-error">The chart could not be loaded.</p>;
  return <div ref={box} class="chart" role="img" aria-label={props.label} />;
}
