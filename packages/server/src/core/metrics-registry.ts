/**
 * Tocsin's own metrics in Prometheus text format (GET /metrics): counters,
 * gauges read at scrape time, histograms with fixed buckets, and summaries
 * (quantiles of a recent window, with all-time _sum and _count) read at
 * scrape time.
 */
type Labels = Record<string, string>;

function labelKey(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  return keys.map((k) => `${k}="${String(labels[k]).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',');
}

export class Counter {
  private values = new Map<string, number>();
  constructor(readonly name: string, readonly help: string) {}
  inc(labels: Labels = {}, by = 1): void {
    const k = labelKey(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  get(labels: Labels = {}): number {
    return this.values.get(labelKey(labels)) ?? 0;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [k, v] of this.values) lines.push(`${this.name}${k ? `{${k}}` : ''} ${v}`);
    return lines.join('\n');
  }
}

export class Histogram {
  private series = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(readonly name: string, readonly help: string, readonly buckets: number[]) {}
  observe(value: number, labels: Labels = {}): void {
    const k = labelKey(labels);
    let s = this.series.get(k);
    if (!s) this.series.set(k, (s = { counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]) s.counts[i]++;
    s.sum += value;
    s.count++;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [k, s] of this.series) {
      const sep = k ? ',' : '';
      this.buckets.forEach((b, i) => lines.push(`${this.name}_bucket{${k}${sep}le="${b}"} ${s.counts[i]}`));
      lines.push(`${this.name}_bucket{${k}${sep}le="+Inf"} ${s.count}`);
      lines.push(`${this.name}_sum${k ? `{${k}}` : ''} ${s.sum}`);
      lines.push(`${this.name}_count${k ? `{${k}}` : ''} ${s.count}`);
    }
    return lines.join('\n');
  }
}

export interface GaugeSample {
  labels?: Labels;
  value: number;
}

/** One summary series: quantiles (0.5 → value) over a recent window, and the sum and count of every observation so far. */
export interface SummarySample {
  labels?: Labels;
  quantiles: [quantile: number, value: number][];
  sum: number;
  count: number;
}

type Collect<T> = () => Promise<T[]> | T[];

function withLabel(k: string, extra: string): string {
  return `{${k}${k ? ',' : ''}${extra}}`;
}

function renderSummary(name: string, help: string, samples: SummarySample[]): string {
  const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} summary`];
  for (const s of samples) {
    const k = labelKey(s.labels ?? {});
    for (const [q, v] of s.quantiles) lines.push(`${name}${withLabel(k, `quantile="${q}"`)} ${v}`);
    lines.push(`${name}_sum${k ? `{${k}}` : ''} ${s.sum}`);
    lines.push(`${name}_count${k ? `{${k}}` : ''} ${s.count}`);
  }
  return lines.join('\n');
}

/** Holds every metric; gauges and summaries are collected when scraped. */
export class MetricsRegistry {
  private counters: Counter[] = [];
  private histograms: Histogram[] = [];
  private gauges: { name: string; help: string; collect: Collect<GaugeSample> }[] = [];
  private summaries: { name: string; help: string; collect: Collect<SummarySample> }[] = [];

  counter(name: string, help: string): Counter {
    const c = new Counter(name, help);
    this.counters.push(c);
    return c;
  }

  histogram(name: string, help: string, buckets: number[]): Histogram {
    const h = new Histogram(name, help, buckets);
    this.histograms.push(h);
    return h;
  }

  gauge(name: string, help: string, collect: () => Promise<GaugeSample[]> | GaugeSample[]): void {
    this.gauges.push({ name, help, collect });
  }

  /** A summary (TYPE summary): a `quantile` label is only valid on one, never on a gauge. */
  summary(name: string, help: string, collect: Collect<SummarySample>): void {
    this.summaries.push({ name, help, collect });
  }

  async render(): Promise<string> {
    const parts = [...this.counters.map((c) => c.render()), ...this.histograms.map((h) => h.render())];
    for (const g of this.gauges) {
      const samples = await g.collect();
      const lines = [`# HELP ${g.name} ${g.help}`, `# TYPE ${g.name} gauge`];
      for (const s of samples) {
        const k = labelKey(s.labels ?? {});
        lines.push(`${g.name}${k ? `{${k}}` : ''} ${s.value}`);
      }
      parts.push(lines.join('\n'));
    }
    for (const m of this.summaries) parts.push(renderSummary(m.name, m.help, await m.collect()));
    return parts.join('\n') + '\n';
  }
}
