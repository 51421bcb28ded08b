/**
 * Tocsin's own telemetry in Prometheus text format (GET /metrics), kept by
 * prom-client: counters and histograms observed as things happen, summaries
 * over a recent window, gauges and summaries read at scrape time (collect
 * callbacks, which may be async), and the process metrics of prom-client
 * (CPU, memory, heap, GC, event-loop lag, handles). "Metrics" without a
 * qualifier are the users' datapoints (src/metrics/), not these.
 */
import client from 'prom-client';

type Labels = Record<string, string>;
type Collect<T> = () => Promise<T[]> | T[];

export interface GaugeSample {
  labels?: Labels;
  value: number;
}

/** One summary series: quantiles (0.5 → value) over a recent window; sum and count of every observation so far. */
export interface SummarySample {
  labels?: Labels;
  quantiles: [quantile: number, value: number][];
  sum: number;
  count: number;
}

/** A summary observed as things happen: quantiles over the last `maxAgeSeconds` (wall clock); _sum, _count of all. */
export interface SummaryOptions {
  percentiles: number[];
  maxAgeSeconds: number;
  /** How many slices the window rotates by; a slice drops out every maxAgeSeconds / ageBuckets. */
  ageBuckets: number;
}

/**
 * prom-client needs a metric's label names when it is made; call sites name
 * their labels where they observe, so a metric is made on its first
 * observation, with that observation's label names. Until then it is absent
 * from the text, which Prometheus reads as no samples, as before.
 */
abstract class LazyMetric<M> {
  private metric?: M;
  constructor(
    protected readonly registry: client.Registry,
    readonly name: string,
    readonly help: string,
  ) {}
  protected abstract make(labelNames: string[]): M;
  protected of(labels: Labels): M {
    this.metric ??= this.make(Object.keys(labels));
    return this.metric;
  }
}

export class Counter extends LazyMetric<client.Counter> {
  protected make(labelNames: string[]): client.Counter {
    return new client.Counter({ name: this.name, help: this.help, labelNames, registers: [this.registry] });
  }
  inc(labels: Labels = {}, by = 1): void {
    this.of(labels).inc(labels, by);
  }
}

export class Histogram extends LazyMetric<client.Histogram> {
  constructor(
    registry: client.Registry,
    name: string,
    help: string,
    readonly buckets: number[],
  ) {
    super(registry, name, help);
  }
  protected make(labelNames: string[]): client.Histogram {
    const { name, help, buckets, registry } = this;
    return new client.Histogram({ name, help, labelNames, buckets, registers: [registry] });
  }
  observe(value: number, labels: Labels = {}): void {
    this.of(labels).observe(labels, value);
  }
}

export class Summary extends LazyMetric<client.Summary> {
  constructor(
    registry: client.Registry,
    name: string,
    help: string,
    private readonly options: SummaryOptions,
  ) {
    super(registry, name, help);
  }
  protected make(labelNames: string[]): client.Summary {
    const { name, help, registry } = this;
    return new client.Summary({ name, help, labelNames, registers: [registry], ...this.options });
  }
  observe(value: number, labels: Labels = {}): void {
    this.of(labels).observe(labels, value);
  }
  /** The current value of percentile `q` (one of the options' percentiles), or null before any observation. */
  async percentile(q: number): Promise<number | null> {
    const metric = this.of({});
    const found = (await metric.get()).values.find((v) => v.labels.quantile === q);
    return found && Number.isFinite(found.value) ? found.value : null;
  }
}

/** A sample as prom-client's registry prints it: `metricName` when it is not the family's name (_sum, _count). */
interface ExportedValue {
  metricName?: string;
  labels: Labels;
  value: number;
}

/**
 * A family whose samples are read at scrape time. prom-client's Registry
 * keeps any object with a name and an async get() that answers this shape
 * (its own metrics are such objects); its typings admit only its classes,
 * whose label names are fixed when made, and these families learn theirs
 * from what they read.
 */
type Read = () => Promise<ExportedValue[]>;

function scraped(name: string, help: string, type: 'gauge' | 'summary', read: Read): client.Metric {
  const family = { name, help, get: async () => ({ name, help, type, aggregator: 'sum', values: await read() }) };
  return family as unknown as client.Metric;
}

function summaryValues(name: string, samples: SummarySample[]): ExportedValue[] {
  return samples.flatMap((s) => {
    const labels = s.labels ?? {};
    return [
      ...s.quantiles.map(([q, value]) => ({ labels: { ...labels, quantile: String(q) }, value })),
      { metricName: `${name}_sum`, labels, value: s.sum },
      { metricName: `${name}_count`, labels, value: s.count },
    ];
  });
}

/** The process metrics are the process's: one registry for every Telemetry in it, made when the first asks. */
let processRegistry: client.Registry | undefined;

function processMetrics(): client.Registry {
  if (processRegistry) return processRegistry;
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  // Gauges named *_total, which `promtool check metrics` rejects; nodejs_active_{handles,requests,resources}
  // hold the same counts by type.
  for (const kind of ['handles', 'requests', 'resources']) registry.removeSingleMetric(`nodejs_active_${kind}_total`);
  processRegistry = registry;
  return registry;
}

/** Holds Tocsin's own metrics; gauges and collected summaries are read when scraped. */
export class Telemetry {
  private readonly registry = new client.Registry();
  private readonly process?: client.Registry;
  /** The content type of render()'s text. */
  readonly contentType = this.registry.contentType;

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics ?? true) this.process = processMetrics();
  }

  counter(name: string, help: string): Counter {
    return new Counter(this.registry, name, help);
  }

  histogram(name: string, help: string, buckets: number[]): Histogram {
    return new Histogram(this.registry, name, help, buckets);
  }

  gauge(name: string, help: string, collect: Collect<GaugeSample>): void {
    const read = async () => (await collect()).map((s) => ({ labels: s.labels ?? {}, value: s.value }));
    this.registry.registerMetric(scraped(name, help, 'gauge', read));
  }

  /**
   * A summary (TYPE summary; a `quantile` label is valid only on one). With
   * a collect callback, its samples are read at scrape time; with options,
   * it is observed as things happen and returned.
   */
  summary(name: string, help: string, collect: Collect<SummarySample>): void;
  summary(name: string, help: string, options: SummaryOptions): Summary;
  summary(name: string, help: string, source: Collect<SummarySample> | SummaryOptions): Summary | undefined {
    if (typeof source !== 'function') return new Summary(this.registry, name, help, source);
    this.registry.registerMetric(scraped(name, help, 'summary', async () => summaryValues(name, await source())));
    return undefined;
  }

  async render(): Promise<string> {
    const own = await this.registry.metrics();
    return this.process ? `${own}\n${await this.process.metrics()}` : own;
  }
}
