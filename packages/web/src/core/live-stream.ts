/**
 * The app's one live stream (GET /api/live, server-sent events). Pages subscribe to changes and to resyncs;
 * a resync is sent when the server says so and after every reconnect (what was missed is unknown).
 * States: idle ──start()──▶ connecting ──hello──▶ open ──error──▶ connecting (EventSource retries) ──stop()──▶ idle.
 * An answer other than the stream (a 401, a 503 while the server restarts) closes an EventSource for good; then a
 * new one is opened after a back-off of 1 s doubling to 30 s.
 */
import { useEffect, useRef } from 'preact/hooks';
import { createStore } from './store.js';

export interface LiveChange {
  type:
    | 'monitor'
    | 'heartbeat'
    | 'alarm'
    | 'delivery'
    | 'incident'
    | 'maintenance'
    | 'status-page'
    // The fleet's, when its server side emits them (the pages also poll, so they work without).
    | 'agent'
    | 'command';
  /** The resource's name; a status page's slug; an incident's id (its page's slug is `page`). */
  name: string;
  /** The new state, or `created` / `updated` / `deleted` (see isLifecycle). */
  state: string;
  at: number;
  [extra: string]: unknown;
}

/** A change that added, edited or removed the resource (not a new state of it): what shows it fetches again. */
export function isLifecycle(change: LiveChange): boolean {
  return change.state === 'created' || change.state === 'updated' || change.state === 'deleted';
}

export type LiveEvent = { kind: 'change'; change: LiveChange } | { kind: 'resync' };

export const liveStatus = createStore<'idle' | 'connecting' | 'open'>('idle');

const listeners = new Set<(e: LiveEvent) => void>();
let source: EventSource | undefined;
let opened = false;
let retryMs = 1000;
let retryTimer: number | undefined;

function emit(e: LiveEvent): void {
  for (const l of listeners) l(e);
}

function connect(): void {
  liveStatus.set('connecting');
  const es = new EventSource('/api/live');
  source = es;
  es.addEventListener('hello', () => {
    liveStatus.set('open');
    retryMs = 1000;
    if (opened) emit({ kind: 'resync' });
    opened = true;
  });
  es.addEventListener('resync', () => emit({ kind: 'resync' }));
  es.addEventListener('change', (e) => {
    try {
      emit({ kind: 'change', change: JSON.parse((e as MessageEvent<string>).data) as LiveChange });
    } catch {
      // A message that is not JSON is not one of ours.
    }
  });
  es.addEventListener('error', () => {
    liveStatus.set('connecting');
    if (es.readyState !== EventSource.CLOSED || source !== es) return;
    retryTimer = window.setTimeout(() => source === es && connect(), retryMs);
    retryMs = Math.min(retryMs * 2, 30_000);
  });
}

export function startLive(): void {
  if (source) return;
  opened = false;
  retryMs = 1000;
  connect();
}

export function stopLive(): void {
  window.clearTimeout(retryTimer);
  source?.close();
  source = undefined;
  liveStatus.set('idle');
}

export function subscribeLive(listener: (e: LiveEvent) => void): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

/** Calls `listener` (the latest one given) for each live event while the component is mounted. */
export function useLive(listener: (e: LiveEvent) => void): void {
  const ref = useRef(listener);
  ref.current = listener;
  useEffect(() => subscribeLive((e) => ref.current(e)), []);
}
