/**
 * Maintenance windows: one-off (start to end) or recurring (a cron
 * expression in a time zone, open for a duration), covering monitors by
 * name or by tags. While a window covering a monitor is open, the monitor
 * shows MAINTENANCE and announces nothing; the checks go on. An edit made
 * outside a caller's transaction is told to the live stream (`maintenance`,
 * created | updated | deleted).
 */
import type { Cron } from 'croner';
import { compileCron, cronProblem } from '../core/cron-expression.js';
import { isValidTimeZone } from '../core/time-zones.js';
import type { Kysely } from 'kysely';
import { maintenanceInputSchema, type MaintenanceSpec } from '@tocsin/protocol';
import type { Clock } from '../core/clock.js';
import { fieldIssuesOf, invalid, notFound } from '../core/errors.js';
import { uuidv7 } from '../core/ids.js';
import type { Database } from '../db/db-schema.js';
import type { LiveChange } from '../live/live-hub.js';
import * as store from './maintenance-store.js';
import type { Monitor } from './monitor-types.js';

interface CompiledWindow {
  record: store.MaintenanceRecord;
  cron?: Cron;
  startAt?: number;
  endAt?: number;
  durationMs?: number;
}

function compile(record: store.MaintenanceRecord): CompiledWindow {
  const s = record.spec;
  if (s.cron) return { record, cron: compileCron(s.cron, s.timezone), durationMs: s.duration };
  return { record, startAt: Date.parse(s.start!), endAt: Date.parse(s.end!) };
}

function covers(w: CompiledWindow, m: Monitor): boolean {
  const s = w.record.spec;
  if (s.monitors.includes(m.name)) return true;
  if (s.tags && Object.keys(s.tags).length > 0) return Object.entries(s.tags).every(([k, v]) => m.tags[k] === v);
  return false;
}

function openAt(w: CompiledWindow, now: number): boolean {
  if (w.cron) {
    const next = w.cron.nextRun(new Date(now - w.durationMs!));
    return next !== null && next.getTime() <= now;
  }
  return w.startAt! <= now && now < w.endAt!;
}

export interface MaintenanceOpening {
  name: string;
  description?: string;
  startAt: number;
  endAt: number;
  active: boolean;
  monitors: string[];
}

/** The window's opening in progress at `now`, or else its next one (none when a one-off is over). */
function spanOf(w: CompiledWindow, now: number): { startAt: number; endAt: number } | undefined {
  if (!w.cron) return { startAt: w.startAt!, endAt: w.endAt! };
  const current = w.cron.nextRun(new Date(now - w.durationMs!));
  const start = current && current.getTime() <= now ? current : w.cron.nextRun(new Date(now));
  return start ? { startAt: start.getTime(), endAt: start.getTime() + w.durationMs! } : undefined;
}

export class MaintenanceService {
  private windows: CompiledWindow[] = [];

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    /** Tells other nodes, in the transaction of a change, that the windows changed (they load them again). */
    private readonly publish: (q: Kysely<Database>) => Promise<void> = async () => {},
    /** The live stream, told of edits that are not part of a caller's transaction. */
    private readonly live: (change: LiveChange) => void = () => {},
  ) {}

  private edited(q: Kysely<Database>, name: string, state: 'created' | 'updated' | 'deleted'): void {
    if (q !== this.db) return;
    const active = state === 'deleted' ? undefined : this.list().find((w) => w.name === name)?.active;
    this.live({ type: 'maintenance', name, state, at: this.clock.now(), active });
  }

  async load(q: Kysely<Database> = this.db): Promise<void> {
    this.windows = (await store.listWindows(q)).map(compile);
  }

  parse(input: unknown): MaintenanceSpec {
    const parsed = maintenanceInputSchema.safeParse(input);
    if (!parsed.success) throw invalid(fieldIssuesOf(parsed.error.issues));
    const spec = parsed.data;
    if (!isValidTimeZone(spec.timezone))
      throw invalid([{ path: 'timezone', message: `'${spec.timezone}' is not an IANA time zone such as Asia/Tokyo` }]);
    const problem = spec.cron ? cronProblem(spec.cron, spec.timezone) : null;
    if (problem) throw invalid([{ path: problem.field, message: problem.message }]);
    return spec;
  }

  /** True when an open window covers the monitor. */
  isActive(m: Monitor, now = this.clock.now()): boolean {
    return this.windows.some((w) => covers(w, m) && openAt(w, now));
  }

  /**
   * The windows open at `now` or opening before `until`, each once (its current or next opening), with the
   * monitors among `monitors` it covers; windows covering none of them are left out.
   */
  openings(monitors: readonly Monitor[], until: number, now = this.clock.now()): MaintenanceOpening[] {
    return this.windows.flatMap((w) => {
      const covered = monitors.filter((m) => covers(w, m)).map((m) => m.name);
      if (covered.length === 0) return [];
      const span = spanOf(w, now);
      if (!span || span.startAt > until || span.endAt <= now) return [];
      const s = w.record.spec;
      return [{ name: s.name, description: s.description, ...span, active: span.startAt <= now, monitors: covered }];
    });
  }

  list(): (MaintenanceSpec & { active: boolean })[] {
    const now = this.clock.now();
    return this.windows.map((w) => ({ ...w.record.spec, active: openAt(w, now) }));
  }

  get(name: string): MaintenanceSpec {
    const w = this.windows.find((x) => x.record.name === name);
    if (!w) throw notFound('maintenance window', name);
    return w.record.spec;
  }

  async put(spec: MaintenanceSpec, q: Kysely<Database> = this.db): Promise<void> {
    const now = this.clock.now();
    const existing = this.windows.find((w) => w.record.name === spec.name);
    await store.upsertWindow(q, {
      id: existing?.record.id ?? uuidv7(now),
      name: spec.name,
      spec,
      createdAt: existing?.record.createdAt ?? now,
      updatedAt: now,
    });
    await this.publish(q);
    await this.load(q);
    this.edited(q, spec.name, existing ? 'updated' : 'created');
  }

  async remove(name: string, q: Kysely<Database> = this.db): Promise<void> {
    if (!(await store.deleteWindow(q, name))) throw notFound('maintenance window', name);
    await this.publish(q);
    await this.load(q);
    this.edited(q, name, 'deleted');
  }

  /** Raw stored specs, for export. */
  async specs(q: Kysely<Database>): Promise<MaintenanceSpec[]> {
    return (await store.listWindows(q)).map((r) => r.spec);
  }
}
