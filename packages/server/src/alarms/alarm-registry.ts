/**
 * The alarms held in memory, by name and by id, with what is derived from
 * them: the series metric alarms watch (told to the metric sink) and the
 * composites that name each alarm. Every node holds every alarm; the
 * service changes them through its API, the sync (alarm-sync.ts) from the
 * database when another node changed them. One evaluation or change at a
 * time per alarm (`serialized`): composites are looked at by their children
 * too, and a reload waits for an evaluation in flight.
 */
import { isComposite, type AlarmSpec } from '@tocsin/protocol';
import { seriesKeyOf } from '../metrics/series-key.js';
import type { AlarmState } from './alarm-evaluator.js';
import { AlarmReferrers } from './alarm-referrers.js';
import type { AlarmRow } from './alarm-store.js';

export interface AlarmEntry {
  id: string;
  spec: AlarmSpec;
  state: AlarmState;
  reason: string;
  stateChangedAt: number;
  evaluatedAt: number | null;
  /** When it last left ALARM, for composites it suppresses. */
  leftAlarmAt?: number;
  /** A composite's actions waiting for its suppressor's wait period. */
  pendingActions?: { at: number; state: AlarmState; reason: string };
}

/** Where alarms register the series they watch (keys of `seriesKeyOf`); the metrics domain's sink. */
export interface WatchRegistry {
  watch(watcher: string, keys: ReadonlySet<string>): void;
}

/** An alarm as its row stores it. */
export function entryOf(r: AlarmRow): AlarmEntry {
  return {
    id: r.id,
    spec: JSON.parse(r.spec) as AlarmSpec,
    state: r.state as AlarmState,
    reason: r.reason,
    stateChangedAt: r.state_changed_at,
    evaluatedAt: r.evaluated_at,
  };
}

const seriesOf = (spec: AlarmSpec) =>
  isComposite(spec) ? undefined : seriesKeyOf(spec.namespace, spec.metricName, spec.dimensions);

export class AlarmRegistry {
  private readonly byName = new Map<string, AlarmEntry>();
  private readonly ids = new Map<string, AlarmEntry>();
  private watched = new Set<string>();
  private referrers = new AlarmReferrers<AlarmEntry>();
  private locks = new Map<string, Promise<unknown>>();

  constructor(private readonly watchRegistry?: WatchRegistry) {
    this.watchRegistry?.watch('alarms', this.watched);
  }

  /** Runs `run` after the alarm's previous evaluation or change has finished. */
  serialized<T>(id: string, run: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(id) ?? Promise.resolve();
    const next = prev.then(run, run);
    const settled = next.then(
      () => {},
      () => {},
    );
    this.locks.set(id, settled);
    // Forgotten once nothing waits behind it, so that deleted alarms leave nothing behind.
    void settled.then(() => {
      if (this.locks.get(id) === settled) this.locks.delete(id);
    });
    return next;
  }

  named(name: string): AlarmEntry | undefined {
    return this.byName.get(name);
  }

  byId(id: string): AlarmEntry | undefined {
    return this.ids.get(id);
  }

  all(): IterableIterator<AlarmEntry> {
    return this.ids.values();
  }

  /** Composites whose rule or actions suppressor names `name` (itself included, when it does). */
  referrersOf(name: string): readonly AlarmEntry[] {
    return this.referrers.of(name);
  }

  /** Adds a new alarm; one of the same name under another id (deleted and made again elsewhere) goes first. */
  add(e: AlarmEntry): void {
    const same = this.byName.get(e.spec.name);
    const renamed = same !== undefined && same.id !== e.id && this.delete(same.id);
    const again = this.delete(e.id);
    this.set(e);
    if (renamed || again) {
      this.rewatch();
      return;
    }
    const series = seriesOf(e.spec);
    if (series !== undefined) this.watched.add(series);
    this.referrers.add(e);
  }

  /** An alarm's settings changed. */
  respec(e: AlarmEntry, spec: AlarmSpec): void {
    e.spec = spec;
    this.rewatch();
  }

  /** Forgets an alarm; false when it was not held. */
  remove(id: string): boolean {
    if (!this.delete(id)) return false;
    this.rewatch();
    return true;
  }

  /** Derives the watched series and the referrers anew from every alarm. */
  rewatch(): void {
    this.watched = new Set([...this.ids.values()].flatMap((a) => seriesOf(a.spec) ?? []));
    this.watchRegistry?.watch('alarms', this.watched);
    this.referrers.rebuild(this.ids.values());
  }

  private set(e: AlarmEntry): void {
    this.byName.set(e.spec.name, e);
    this.ids.set(e.id, e);
  }

  private delete(id: string): boolean {
    const e = this.ids.get(id);
    if (!e) return false;
    this.ids.delete(id);
    if (this.byName.get(e.spec.name) === e) this.byName.delete(e.spec.name);
    return true;
  }
}
