import type { MonitorLocations } from '@tocsin/protocol';
import type { MonitorRuntime } from './monitor-state.js';

/** A monitor's settings as stored; `probe` holds the probe type's own fields (with `type`). */
export interface Monitor {
  id: string;
  /** Stands for the monitor in the result tables. */
  num: number;
  name: string;
  type: string;
  probe: Record<string, unknown> & { type: string };
  description: string | null;
  intervalMs: number;
  timeoutMs: number;
  failureThreshold: number;
  successThreshold: number;
  retryIntervalMs: number | null;
  reminderMs: number | null;
  topics: string[];
  tags: Record<string, string>;
  paused: boolean;
  /** Checked from agents too (by tag), with a quorum; null: from the server only. */
  locations: MonitorLocations | null;
  createdAt: number;
  updatedAt: number;
}

export interface MonitorWithState {
  monitor: Monitor;
  runtime: MonitorRuntime;
  nextCheckAt: number | null;
}
