import type { MonitorChange } from './monitor-change-store.js';
import type { MonitorRuntime } from './monitor-state.js';
import type { Monitor } from './monitor-types.js';

export interface MonitorEntry {
  monitor: Monitor;
  runtime: MonitorRuntime;
  nextCheckAt: number | null;
  /** Runtime changed outside a check (a pause): written by the next flush. */
  dirty: boolean;
  /** The transitions of the shown state made outside a check (pause, resume), recorded by the next flush. */
  changes?: MonitorChange[];
}

/** Every monitor and its runtime state, in memory; the database is written behind it. */
export class MonitorRegistry {
  private byId = new Map<string, MonitorEntry>();
  private idByName = new Map<string, string>();

  get size(): number {
    return this.byId.size;
  }

  set(entry: MonitorEntry): void {
    const old = this.byId.get(entry.monitor.id);
    if (old && old.monitor.name !== entry.monitor.name) this.idByName.delete(old.monitor.name);
    this.byId.set(entry.monitor.id, entry);
    this.idByName.set(entry.monitor.name, entry.monitor.id);
  }

  get(id: string): MonitorEntry | undefined {
    return this.byId.get(id);
  }

  byName(name: string): MonitorEntry | undefined {
    const id = this.idByName.get(name);
    return id === undefined ? undefined : this.byId.get(id);
  }

  delete(id: string): void {
    const e = this.byId.get(id);
    if (!e) return;
    this.byId.delete(id);
    this.idByName.delete(e.monitor.name);
  }

  all(): MonitorEntry[] {
    return [...this.byId.values()].sort((a, b) => (a.monitor.name < b.monitor.name ? -1 : 1));
  }

  /** Entries whose runtime must be written; clears their flags. */
  takeDirty(): MonitorEntry[] {
    const out: MonitorEntry[] = [];
    for (const e of this.byId.values()) {
      if (e.dirty) {
        e.dirty = false;
        out.push(e);
      }
    }
    return out;
  }
}
