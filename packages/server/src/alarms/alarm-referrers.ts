/**
 * Which composite alarms name each alarm, in their rule or as their actions suppressor: a change of an alarm
 * wakes the composites that name it, and an alarm still named cannot be deleted.
 */
import type { AlarmSpec } from '@tocsin/protocol';
import { dependenciesOf } from './alarm-composite.js';

export class AlarmReferrers<E extends { spec: AlarmSpec }> {
  private byName = new Map<string, E[]>();

  /** Builds the index anew from every alarm. */
  rebuild(alarms: Iterable<E>): void {
    this.byName = new Map();
    for (const a of alarms) this.add(a);
  }

  /** Adds the names one alarm refers to. */
  add(e: E): void {
    for (const name of new Set(dependenciesOf(e.spec))) {
      const list = this.byName.get(name);
      if (list) list.push(e);
      else this.byName.set(name, [e]);
    }
  }

  /** The alarms whose spec names `name` (itself included, when it does). */
  of(name: string): readonly E[] {
    return this.byName.get(name) ?? [];
  }
}
