import type { HeartbeatSpec } from '@tocsin/protocol';
import type { HeartbeatRules, HeartbeatRuntime } from './heartbeat-state.js';
import { compileSchedule } from './heartbeat-schedule.js';
import type { HeartbeatRow } from './heartbeat-store.js';

export interface HeartbeatEntry {
  row: HeartbeatRow;
  spec: HeartbeatSpec;
  rules: HeartbeatRules;
  runtime: HeartbeatRuntime;
}

export function rulesOf(spec: HeartbeatSpec): HeartbeatRules {
  return {
    schedule: compileSchedule(spec),
    graceMs: spec.grace,
    maxRuntimeMs: spec.maxRuntime,
    minRuntimeMs: spec.minRuntime,
    tooOften: spec.tooOften,
    failureTolerance: spec.failureTolerance,
    manualResume: spec.manualResume,
    alertWhenLate: spec.alertWhenLate,
  };
}

/** Every heartbeat in memory, by id, name, ping UUID and slug. */
export class HeartbeatRegistry {
  private byId = new Map<string, HeartbeatEntry>();
  private byUuid = new Map<string, string>();
  private bySlug = new Map<string, string>();
  private byName = new Map<string, string>();

  set(e: HeartbeatEntry): void {
    this.delete(e.row.id);
    this.byId.set(e.row.id, e);
    this.byUuid.set(e.row.pingUuid, e.row.id);
    this.bySlug.set(e.row.slug, e.row.id);
    this.byName.set(e.row.name, e.row.id);
  }

  delete(id: string): void {
    const e = this.byId.get(id);
    if (!e) return;
    this.byId.delete(id);
    this.byUuid.delete(e.row.pingUuid);
    this.bySlug.delete(e.row.slug);
    this.byName.delete(e.row.name);
  }

  get(id: string): HeartbeatEntry | undefined {
    return this.byId.get(id);
  }
  uuid(uuid: string): HeartbeatEntry | undefined {
    const id = this.byUuid.get(uuid);
    return id === undefined ? undefined : this.byId.get(id);
  }
  slug(slug: string): HeartbeatEntry | undefined {
    const id = this.bySlug.get(slug);
    return id === undefined ? undefined : this.byId.get(id);
  }
  name(name: string): HeartbeatEntry | undefined {
    const id = this.byName.get(name);
    return id === undefined ? undefined : this.byId.get(id);
  }
  all(): HeartbeatEntry[] {
    return [...this.byId.values()].sort((a, b) => (a.row.name < b.row.name ? -1 : 1));
  }
}
