import { useEffect, useState } from 'preact/hooks';
import { formatRelative, toMs } from '../core/format.js';

/** Renders again every `everyMs` while mounted (relative times stay true). */
function useTick(everyMs: number, on: boolean): void {
  const [, set] = useState(0);
  useEffect(() => {
    if (!on) return;
    const t = window.setInterval(() => set((n) => n + 1), everyMs);
    return () => window.clearInterval(t);
  }, [everyMs, on]);
}

const local = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/**
 * A time in the viewer's time zone; the title (on hover) has it in UTC. `relative` shows "3 min ago"; `zone` shows
 * it in that IANA zone, with the viewer's time and UTC in the title.
 */
export function Time({
  at,
  relative,
  zone,
}: {
  at: string | number | null | undefined;
  relative?: boolean;
  zone?: string;
}) {
  const ms = toMs(at);
  useTick(15_000, relative === true);
  if (ms === undefined) return <span class="muted">—</span>;
  const date = new Date(ms);
  const utc = `${date.toISOString().replace('T', ' ').slice(0, 19)} UTC`;
  const text = relative
    ? formatRelative(ms)
    : zone
      ? new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short', timeZone: zone }).format(date)
      : local.format(date);
  return (
    <time dateTime={date.toISOString()} title={relative || zone ? `${local.format(date)} your time (${utc})` : utc}>
      {text}
    </time>
  );
}
