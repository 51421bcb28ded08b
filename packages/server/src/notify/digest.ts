import { severities, type TocsinEvent } from '@tocsin/protocol';

/** How a summary counts events of a kind: "3 down, 1 recovered". Other kinds count by their name. */
const words: Record<string, string> = {
  'monitor.down': 'down',
  'heartbeat.down': 'missed or failed',
  'heartbeat.late': 'late',
  'alarm.state': 'alarm changes',
  'monitor.up': 'recovered',
  'heartbeat.up': 'back',
};

/** Source names a summary title shows before it says "(+N)". */
const NAMES_SHOWN = 5;
/** Characters of an event's text kept on its summary line. */
const LINE_TEXT_MAX = 200;

/** `12:00:05`: the time of day in UTC, as the lines of a summary show it. */
export function clockTime(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

/**
 * "7 down, 3 recovered: site-0, site-1, site-2, site-3, site-4 (+5)": counts
 * by kind (known kinds first, problems before recoveries), then the sources.
 */
export function digestTitle(events: readonly TocsinEvent[]): string {
  const counts = new Map<string, number>(Object.values(words).map((w) => [w, 0]));
  for (const e of events) {
    const w = words[e.kind] ?? e.kind;
    counts.set(w, (counts.get(w) ?? 0) + 1);
  }
  const names = [...new Set(events.map((e) => e.source.name))];
  const shown =
    names.slice(0, NAMES_SHOWN).join(', ') + (names.length > NAMES_SHOWN ? ` (+${names.length - NAMES_SHOWN})` : '');
  const summary = [...counts]
    .filter(([, n]) => n > 0)
    .map(([w, n]) => `${n} ${w}`)
    .join(', ');
  return `${summary}: ${shown}`;
}

/** The first line of an event's text, cut short: what a summary shows beside the title. */
export function digestDetail(e: Pick<TocsinEvent, 'text'>): string {
  const first =
    e.text
      .split('\n')
      .find((l) => l.trim() !== '')
      ?.trim() ?? '';
  return first.length > LINE_TEXT_MAX ? `${first.slice(0, LINE_TEXT_MAX - 1)}…` : first;
}

/** `12:00:05 api is down — answered 503`: one event as a line of a summary. */
export function digestLine(e: TocsinEvent): string {
  const detail = digestDetail(e);
  return `${clockTime(e.time)} ${e.title.replace(/\s+/g, ' ')}${detail ? ` — ${detail}` : ''}`;
}

/**
 * The event that stands for the events of a group window (oldest first), as
 * seed 003's mail lists every server that changed in a run. Kind `digest`,
 * the most severe severity of the group, a title that counts them, one line
 * per event as text, the first event's dedup key, and `attributes.count`.
 */
export function digestEvent(events: readonly TocsinEvent[]): TocsinEvent {
  if (events.length === 0) throw new Error('a digest needs at least one event');
  const first = events[0];
  const severity = severities.find((s) => events.some((e) => e.severity === s)) ?? first.severity;
  return {
    id: first.id,
    topic: first.topic,
    kind: 'digest',
    severity,
    source: { type: 'digest', name: first.topic, tags: {} },
    title: digestTitle(events),
    text: events.map(digestLine).join('\n'),
    attributes: { count: events.length },
    dedupKey: first.dedupKey,
    time: events[events.length - 1].time,
  };
}
