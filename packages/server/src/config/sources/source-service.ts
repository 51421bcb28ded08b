/**
 * Reads each source when it is due and applies its list with the config
 * planner (the monitors section only; never prune through the planner, which
 * would delete every monitor the list leaves out). With `prune`, the monitors
 * this source made (tagged `source: <name>`) that its list no longer has are
 * deleted afterwards; a monitor someone else made is never touched, not even
 * updated when the list names it.
 *
 * A read's outcome: ok (with counts) or failed (unreadable, unparsable, or
 * refused by the planner). A failed read changes no monitor and is retried
 * when the source is next due.
 */
import type { Kysely } from 'kysely';
import type { Clock } from '../../core/clock.js';
import { notFound, TocsinError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { Database } from '../../db/db-schema.js';
import type { MonitorService } from '../../monitors/monitor-service.js';
import type { ApplyRequest, ApplyResult } from '../config-apply-service.js';
import { parseSource, redactSource, whereOf, type SourceSpec } from './source-config.js';
import { monitorsOfText, readSourceText } from './source-reader.js';
import type { SourceOutcome, SourceStore } from './source-store.js';

/** Tag on every monitor a source applies: its name. */
export const SOURCE_TAG = 'source';

/** What sources need of the monitors: who made each, and deletion of the ones a source made. */
export type SourceMonitors = Pick<MonitorService, 'entries' | 'find' | 'remove'>;

export interface SourceDeps {
  db: Kysely<Database>;
  store: SourceStore;
  clock: Clock;
  logger: Logger;
  /** The config apply service's apply (the same planner as `tocsin apply`). */
  apply: (req: ApplyRequest) => Promise<ApplyResult>;
  monitors: SourceMonitors;
  /** Reads a source's text (the reader by default; tests may slow it down). */
  read?: (spec: SourceSpec) => Promise<string>;
}

export interface SourceView {
  name: string;
  /** Where it is read from (`https://…`, `file:…`, `s3://bucket/key`). */
  from: string;
  /** The source as configured, secrets redacted. */
  config: Record<string, unknown>;
  /** Monitors tagged as this source's. */
  monitors: number;
  lastRead: SourceOutcome | null;
  /** Epoch ms of the next read by schedule. */
  nextReadAt: number;
}

function errorText(err: unknown): string {
  if (err instanceof TocsinError) return err.message;
  return err instanceof Error ? err.message : String(err);
}

export class SourceService {
  private readonly reading = new Map<string, Promise<SourceOutcome>>();

  constructor(private readonly deps: SourceDeps) {}

  /** Reads every source that is due (never read, or read `every` ago or longer). */
  async tick(): Promise<void> {
    const now = this.deps.clock.now();
    const outcomes = await this.deps.store.outcomes();
    for (const input of await this.deps.store.list()) {
      let spec: SourceSpec;
      try {
        spec = parseSource(input);
      } catch (err) {
        // A stored source an older or newer version wrote differently: the others are still read.
        this.deps.logger.warn(`source ${input.name}: cannot be read as stored: ${errorText(err)}`);
        continue;
      }
      const last = outcomes.get(spec.name);
      if (!last || now >= last.at + spec.everyMs) await this.readSpec(spec);
    }
  }

  /** Reads one source now (one read of a source at a time: a second call waits for the first's outcome). */
  async read(name: string): Promise<SourceOutcome> {
    const input = await this.deps.store.get(name);
    if (!input) throw notFound('source', name);
    return this.readSpec(parseSource(input));
  }

  async list(): Promise<SourceView[]> {
    const outcomes = await this.deps.store.outcomes();
    return (await this.deps.store.list()).map((input) => this.view(input, outcomes.get(input.name)));
  }

  async get(name: string): Promise<SourceView> {
    const input = await this.deps.store.get(name);
    if (!input) throw notFound('source', name);
    return this.view(input, (await this.deps.store.outcomes()).get(name));
  }

  private view(input: Record<string, unknown> & { name: string }, last: SourceOutcome | undefined): SourceView {
    const spec = parseSource(input);
    return {
      name: spec.name,
      from: whereOf(spec),
      config: redactSource(input),
      monitors: this.owned(spec.name).length,
      lastRead: last ?? null,
      nextReadAt: last ? last.at + spec.everyMs : this.deps.clock.now(),
    };
  }

  private owned(source: string): string[] {
    return this.deps.monitors
      .entries()
      .filter((e) => e.monitor.tags[SOURCE_TAG] === source)
      .map((e) => e.monitor.name);
  }

  private readSpec(spec: SourceSpec): Promise<SourceOutcome> {
    const running = this.reading.get(spec.name);
    if (running) return running;
    const p = this.readAndApply(spec).finally(() => this.reading.delete(spec.name));
    this.reading.set(spec.name, p);
    return p;
  }

  private async readAndApply(spec: SourceSpec): Promise<SourceOutcome> {
    const at = this.deps.clock.now();
    const outcome: SourceOutcome = { at, ok: false, entries: 0, created: 0, updated: 0, deleted: 0, skipped: [] };
    try {
      const text = await (this.deps.read ?? readSourceText)(spec);
      const { monitors } = monitorsOfText(text, spec);
      outcome.entries = monitors.length;
      const mine = monitors.filter((m) => {
        const name = (m as { name?: unknown }).name;
        const found = typeof name === 'string' ? this.deps.monitors.find(name) : undefined;
        if (!found || found.monitor.tags[SOURCE_TAG] === spec.name) return true;
        outcome.skipped.push(name as string);
        return false;
      });
      const result = await this.deps.apply({ config: { version: 1, monitors: mine } });
      for (const c of result.changes) {
        if (c.action === 'create') outcome.created++;
        if (c.action === 'update') outcome.updated++;
      }
      if (spec.prune) outcome.deleted = await this.prune(spec.name, mine);
      outcome.ok = true;
      this.deps.logger.info(
        `source ${spec.name}: create ${outcome.created}, update ${outcome.updated}, delete ${outcome.deleted}`,
        { source: spec.name, from: whereOf(spec), changes: result.changes, skipped: outcome.skipped },
      );
      if (outcome.skipped.length)
        this.deps.logger.warn(`source ${spec.name}: left alone, made elsewhere: ${outcome.skipped.join(', ')}`);
    } catch (err) {
      outcome.error = errorText(err);
      if (!outcome.error.startsWith(`source ${spec.name}`)) outcome.error = `source ${spec.name}: ${outcome.error}`;
      this.deps.logger.warn(`${outcome.error} (the monitors stay as they are)`, { source: spec.name });
    }
    await this.deps.store.putOutcome(spec.name, outcome);
    return outcome;
  }

  /** Deletes, in one transaction, the monitors this source made that `kept` leaves out; returns how many. */
  private async prune(source: string, kept: readonly unknown[]): Promise<number> {
    const keep = new Set(kept.map((m) => (m as { name?: unknown }).name));
    const doomed = this.owned(source).filter((name) => !keep.has(name));
    if (doomed.length === 0) return 0;
    await this.deps.db.transaction().execute(async (trx) => {
      for (const name of doomed) await this.deps.monitors.remove(name, trx);
    });
    return doomed.length;
  }
}
