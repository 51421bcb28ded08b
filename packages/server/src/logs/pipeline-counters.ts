/**
 * The pipeline's counters (`PipelineCounters` of log-pipeline.ts): prom-client counters on /metrics, and the
 * same totals in memory for the `ingest` part of `GET /api/logs/pipeline`. A stage's failure is logged at most
 * once a minute per stage, with how many failures that minute hid.
 */
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Telemetry } from '../core/telemetry.js';
import type { DropReason, PipelineCounters, PipelineStatusPart } from './log-pipeline.js';

const LOG_EVERY_MS = 60_000;

interface Totals {
  ingested: Record<string, { events: number; bytes: number }>;
  dropped: Partial<Record<DropReason, number>>;
  stageFailures: Record<string, number>;
}

export class TelemetryPipelineCounters implements PipelineCounters {
  private readonly ingestedTotal;
  private readonly ingestedBytes;
  private readonly droppedTotal;
  private readonly stageFailures;
  readonly totals: Totals = { ingested: {}, dropped: {}, stageFailures: {} };
  private readonly lastLogged = new Map<string, { at: number; hidden: number }>();

  constructor(
    telemetry: Telemetry,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.ingestedTotal = telemetry.counter('tocsin_logs_ingested_total', 'Log events accepted, by ingest format');
    this.ingestedBytes = telemetry.counter(
      'tocsin_logs_ingested_bytes_total',
      'Raw bytes of the log events accepted, by ingest format',
    );
    this.droppedTotal = telemetry.counter('tocsin_logs_dropped_total', 'Log events not stored, by reason');
    this.stageFailures = telemetry.counter(
      'tocsin_logs_stage_failures_total',
      'Failures of a pipeline stage (routes, metric filters, embedded metrics, log alarms, tail), by stage',
    );
  }

  ingested(format: string, n: number, bytes: number): void {
    this.ingestedTotal.inc({ format }, n);
    this.ingestedBytes.inc({ format }, bytes);
    const t = this.totals.ingested[format] ?? { events: 0, bytes: 0 };
    this.totals.ingested[format] = t;
    t.events += n;
    t.bytes += bytes;
  }

  dropped(reason: DropReason, n: number, _format: string): void {
    this.droppedTotal.inc({ reason }, n);
    this.totals.dropped[reason] = (this.totals.dropped[reason] ?? 0) + n;
  }

  stageFailed(stage: string, err: unknown): void {
    this.stageFailures.inc({ stage });
    this.totals.stageFailures[stage] = (this.totals.stageFailures[stage] ?? 0) + 1;
    const now = this.clock.now();
    const last = this.lastLogged.get(stage);
    if (last && now - last.at < LOG_EVERY_MS) {
      last.hidden++;
      return;
    }
    this.logger.warn('a log pipeline stage failed', { stage, err, notLoggedSinceLast: last?.hidden ?? 0 });
    this.lastLogged.set(stage, { at: now, hidden: 0 });
  }

  /** The `ingest` part of the pipeline's status. */
  statusPart(): PipelineStatusPart {
    return {
      name: 'ingest',
      status: () => {
        const formats = Object.values(this.totals.ingested);
        return {
          events: formats.reduce((n, f) => n + f.events, 0),
          bytes: formats.reduce((n, f) => n + f.bytes, 0),
          byFormat: structuredClone(this.totals.ingested),
          dropped: { ...this.totals.dropped },
          stageFailures: { ...this.totals.stageFailures },
        };
      },
    };
  }
}
