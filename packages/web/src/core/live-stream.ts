/**
 * The app's one live stream (GET /api/live, server-sent events). Pages subscribe to changes and to resyncs;
 * a resync is sent when the server says so and after every reconnect (what was missed is unknown).
 * States: idle ──start()──▶ connecting ──hello──▶ open ──error──▶ connecting (EventSource retries) ──stop()──▶ idle.
 */
import { useEffect, useRef } from 'preact/hooks';
import { createStore } from './store.js';

export interface LiveChange {
  type: 'monitor' | 'heartbeat' | 'alarm' | 'delivery' | 'incident';
  name: string;
  state: string;
  at: number;
  [extra: string]: unknown;
}

export type LiveEvent = { kind: 'change'; change: LiveChange } | { kind: 'resync' };

export const liveStatus = createStore<'idle' | 'connecting' | 'open'>('idle');

const listeners = new Set<(e: LiveEvent) => void>();
let source: EventSource | undefined;
let opened = false;

function emit(e: LiveEvent): void {
  for (const l of listeners) l(e);
}

export function startLive(): void {
  if (source) return;
  opened = false;
  liveStatus.set('connecting');
  source = new EventSource('/api/live');
  source.addEventListener('hello', () => {
    liveStatus.set('open');
    if (opened) emit({ kind: 'resync' });
    opened = true;
  });
  source.addEventListener('resync', () => emit({ kind: 'resync' }));
  source.addEventListener('change', (e) => {
    try {
      emit({ kind: 'change', change: JSON.parse((e as MessageEvent<string>).data) as LiveChange });
    } catch {
      // A message that is not JSON is not one of ours.
    }
  });
  source.addEventListener('error', () => liveStatus.set('connecting'));
}

export function stopLive(): void {
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
