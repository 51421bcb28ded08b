/**
 * The live tail's connection: `GET /api/logs/tail` read as server-sent events through fetch (not EventSource,
 * which hides the answer of a refused request: a bad pattern's 400 must reach the form with its position).
 * States: connecting ──200──▶ open ──stream ends or breaks──▶ connecting again after 1 s doubling to 30 s;
 * connecting ──4xx but 429──▶ refused (the error is shown; no retry until the search changes); any state ──unmount or a
 * new search──▶ stopped. Events are held in a buffer of at most TAIL_BUFFER lines: the oldest go first, counted.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../core/api-client.js';
import type { LogEventView } from '../core/api-types.js';
import { tailUrl } from './log-search-query.js';
import { parseSse, type SseMessage } from './log-sse.js';

/** Lines the page keeps (and shows); older ones are let go of, and counted, so a busy tail stays bounded. */
export const TAIL_BUFFER = 2000;
/** How often arrived lines are shown: at most one render per this many ms however fast they come. */
const FLUSH_MS = 200;

export type TailStatus = 'connecting' | 'open' | 'refused';

export interface TailState {
  status: TailStatus;
  /** Newest first, at most TAIL_BUFFER. */
  events: LogEventView[];
  /** Lines the server did not send this reader (it fell behind): the sum of its `dropped` events. */
  dropped: number;
  /** Lines let go of the page's buffer (older than the newest TAIL_BUFFER). */
  evicted: number;
  /** Lines that arrived while paused, not yet shown. */
  held: number;
  error?: unknown;
}

async function refusal(res: Response): Promise<ApiError> {
  const body = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
  const e = body?.error as { code?: string; message?: string; details?: Record<string, unknown> } | undefined;
  const message = e?.message ?? `The live tail was refused: ${res.status} ${res.statusText}`;
  return new ApiError(res.status, (e?.code as ApiError['code']) ?? 'bad_request', message, e?.details ?? {});
}

/** Follows the tail of `group` (every group when '') filtered by `pattern`; `paused` holds new lines back. */
export function useLogTail(group: string, pattern: string, paused: boolean): TailState {
  const [state, setState] = useState<TailState>({ status: 'connecting', events: [], dropped: 0, evicted: 0, held: 0 });
  const incoming = useRef<LogEventView[]>([]);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;

  /** Moves the arrived lines, newest first, to the top of the shown ones, keeping at most TAIL_BUFFER. */
  const show = () => {
    const fresh = incoming.current.reverse();
    incoming.current = [];
    if (!fresh.length) return;
    setState((s) => {
      const all = fresh.concat(s.events);
      const over = Math.max(0, all.length - TAIL_BUFFER);
      return { ...s, held: 0, events: over ? all.slice(0, TAIL_BUFFER) : all, evicted: s.evicted + over };
    });
  };

  useEffect(() => {
    const ctrl = new AbortController();
    let retryMs = 1000;
    let timer: number | undefined;
    let seq = 0;
    incoming.current = [];
    setState({ status: 'connecting', events: [], dropped: 0, evicted: 0, held: 0 });

    const flush = () => {
      timer = undefined;
      if (pausedRef.current) setState((s) => ({ ...s, held: incoming.current.length }));
      else show();
    };
    const schedule = () => {
      timer ??= window.setTimeout(flush, FLUSH_MS);
    };
    const take = (m: SseMessage) => {
      if (m.event === 'dropped') {
        const n = Number((JSON.parse(m.data) as { count?: unknown }).count);
        if (Number.isFinite(n)) setState((s) => ({ ...s, dropped: s.dropped + n }));
        return;
      }
      if (m.event !== 'log') return;
      const e = JSON.parse(m.data) as LogEventView;
      // Rows are keyed by id: a tail line that has none (not stored yet) gets one of the page's own.
      incoming.current.push(typeof e.id === 'string' && e.id ? e : { ...e, id: `tail-${++seq}` });
      // Held lines are bounded too: the oldest of them go first, as in the shown buffer.
      const over = incoming.current.length - TAIL_BUFFER;
      if (over > 0) {
        incoming.current.splice(0, over);
        setState((s) => ({ ...s, evicted: s.evicted + over }));
      }
      schedule();
    };

    const connect = async (): Promise<void> => {
      setState((s) => ({ ...s, status: 'connecting' }));
      let res: Response;
      try {
        res = await fetch(tailUrl({ group, pattern }), {
          headers: { accept: 'text/event-stream' },
          credentials: 'same-origin',
          signal: ctrl.signal,
        });
      } catch {
        return retry();
      }
      // A node at its cap of tails (429) may have room later; any other 4xx (a bad pattern) will not.
      if (res.status >= 400 && res.status < 500 && res.status !== 429) {
        const error = await refusal(res);
        if (!ctrl.signal.aborted) setState((s) => ({ ...s, status: 'refused', error }));
        return;
      }
      if (!res.ok || !res.body) return retry();
      retryMs = 1000;
      setState((s) => ({ ...s, status: 'open', error: undefined }));
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffered = '';
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          const { messages, rest } = parseSse(buffered + value);
          buffered = rest;
          for (const m of messages) {
            try {
              take(m);
            } catch {
              // A message that is not JSON is not one of ours.
            }
          }
        }
      } catch {
        // The stream broke (a restart, the network): connect again below.
      }
      retry();
    };
    const retry = () => {
      if (ctrl.signal.aborted) return;
      setState((s) => ({ ...s, status: 'connecting' }));
      window.setTimeout(() => !ctrl.signal.aborted && void connect(), retryMs);
      retryMs = Math.min(retryMs * 2, 30_000);
    };

    void connect();
    return () => {
      ctrl.abort();
      window.clearTimeout(timer);
    };
  }, [group, pattern]);

  // Resuming shows what was held at once.
  useEffect(() => {
    if (!paused) show();
  }, [paused]);

  return state;
}
