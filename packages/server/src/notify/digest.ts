import { severities, type TocsinEvent } from '@tocsin/protocol';

const words: Record<string, string> = {
  'monitor.down': 'down',
  'monitor.up': 'recovered',
  'heartbeat.down': 'missed or failed',
  'heartbeat.up': 'back',
  'alarm.state': 'alarm changes',
};

function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

/**
 * One message standing for the events of a group window, as seed 003's mail
 * lists every server that changed in a run: "2 down, 1 recovered: api, web, db".
 * Its text has one line per event; `attributes.events` lists them.
 */
export function digestEvent(events: readonly TocsinEvent[]): TocsinEvent {
  const first = events[0];
  const counts = new Map<string, number>();
  for (const e of events) {
    const w = words[e.kind] ?? e.kind;
    counts.set(w, (counts.get(w) ?? 0) + 1);
  }
  const names = [...new Set(events.map((e) => e.source.name))];
  const shown = names.slice(0, 5).join(', ') + (names.length > 5 ? ` (+${names.length - 5})` : '');
  const summary = [...counts].map(([w, n]) => `${n} ${w}`).join(', ');
  const severity = severities.find((s) => events.some((e) => e.severity === s)) ?? first.severity;
  return {
    id: first.id,
    topic: first.topic,
    kind: 'digest',
    severity,
    source: { type: 'digest', name: first.topic, tags: {} },
    title: `${summary}: ${shown}`,
    text: events.map((e) => `${clock(e.time)} ${e.title}${e.text ? ` — ${e.text}` : ''}`).join('\n'),
    attributes: { count: events.length, events: events.map((e) => ({ id: e.id, kind: e.kind, severity: e.severity, title: e.title, source: e.source.name, time: new Date(e.time).toISOString() })) },
    dedupKey: first.dedupKey,
    time: events[events.length - 1].time,
  };
}
