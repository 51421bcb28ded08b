/**
 * Embedded metrics: every accepted event whose message is a JSON object with
 * `_aws` in CloudWatch's Embedded Metric Format (embedded-metrics.ts) gives
 * its datapoints (namespace, dimension sets, units, storage resolution,
 * value arrays) to the metrics domain, folded per series and second; the
 * line itself is stored as any other. A line without `"_aws"` in its text
 * costs one `indexOf`; an invalid EMF line is counted and its reason kept
 * (the last few, for the status), never failing the ingest.
 *
 * State: counters and the last rejections, since the start.
 */
import type { LogEvent } from '@tocsin/protocol';
import { embeddedMetricsOf } from '../embedded-metrics.js';
import type { LogStage, PipelineStatusPart } from '../log-pipeline.js';
import type { SeriesBuckets } from './series-buckets.js';

const KEPT_REJECTIONS = 10;

export interface EmfRejection {
  at: string;
  group: string;
  source?: string;
  /** The member at fault (`_aws.CloudWatchMetrics.0.Namespace`), '' for the line as a whole. */
  path: string;
  reason: string;
}

export class EmbeddedMetricsStage implements LogStage, PipelineStatusPart {
  readonly name = 'embedded-metrics';
  private lines = 0;
  private datapoints = 0;
  private rejected = 0;
  private notJson = 0;
  private readonly recent: EmfRejection[] = [];

  constructor(
    private readonly buckets: SeriesBuckets,
    /** Told each rejection (for the watchdog's rule errors), after it is counted. */
    private readonly onRejected: (r: EmfRejection) => void = () => {},
  ) {}

  process(events: readonly LogEvent[], now: number): void {
    for (const e of events) {
      // The cheap pre-check: nearly every line without EMF stops here.
      if (e.message.indexOf('"_aws"') < 0) continue;
      let json: unknown;
      try {
        json = JSON.parse(e.message);
      } catch {
        this.notJson++;
        continue;
      }
      const result = embeddedMetricsOf(json, { now, eventTime: e.time, bytes: e.message.length });
      if (result.kind === 'none') continue;
      this.lines++;
      if (result.kind === 'rejected') {
        this.reject(e, result.path, result.reason, now);
        continue;
      }
      for (const d of result.datapoints) {
        this.datapoints++;
        const options = { unit: d.unit, resolution: d.storageResolution };
        if (!d.values) this.buckets.add(d.namespace, d.name, d.dimensions, d.at, d.sum / d.count, options);
        else
          for (const v of d.values)
            this.buckets.add(d.namespace, d.name, d.dimensions, d.at, v.value, { ...options, weight: v.weight });
      }
    }
  }

  private reject(e: LogEvent, path: string, reason: string, now: number): void {
    this.rejected++;
    const r: EmfRejection = { at: new Date(now).toISOString(), group: e.group, path, reason };
    if (e.source !== undefined) r.source = e.source;
    this.recent.push(r);
    if (this.recent.length > KEPT_REJECTIONS) this.recent.shift();
    this.onRejected(r);
  }

  status(): Record<string, unknown> {
    return {
      lines: this.lines,
      datapoints: this.datapoints,
      rejected: this.rejected,
      notJson: this.notJson,
      lastRejections: [...this.recent],
    };
  }
}
