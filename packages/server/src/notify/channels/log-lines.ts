/**
 * What the log channels (datadog-logs-channel.ts, loki-channel.ts) forward: an event of kind `log.match` stands for
 * the log lines that matched a rule, so its sample lines go out as log lines; any other event is one line (its
 * title and text). A group window's message forwards the lines of each of its events, oldest first.
 */
import { severityName, type Severity, type TocsinEvent } from '@tocsin/protocol';
import type { SendRequest } from './channel.js';

/** One line to forward, whichever the destination. */
export interface LogLine {
  /** Epoch milliseconds. */
  time: number;
  message: string;
  /** Lower-case level text (`error`, `warn`, `info`…); '' when the line had none. */
  level: string;
  /** The service or function that wrote it (a sample's `source`), else the event's source name. */
  source?: string;
  /** The log group (a `log.match` event's `group`). */
  group?: string;
  stage?: string;
  /** Everything else known of the line: its own attributes, then the event's facts (rule, kind, topic). */
  attributes: Record<string, unknown>;
}

export const LOG_MATCH_KIND = 'log.match';

const severityLevels: Record<Severity, string> = {
  critical: 'critical',
  error: 'error',
  warning: 'warn',
  info: 'info',
  ok: 'info',
};

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function timeOf(v: unknown, fallback: number): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string') {
    const ms = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
    if (Number.isFinite(ms)) return ms;
  }
  return fallback;
}

/** A sample's level as text: its `levelText`, else its `level` (a word or an OTLP severity number). */
function levelOf(sample: Record<string, unknown>): string {
  const given = text(sample.levelText) ?? text(sample.level);
  if (given) return given.toLowerCase();
  return typeof sample.level === 'number' ? severityName(sample.level).replace(/\d$/, '').toLowerCase() : '';
}

/** Fields of a sample that become fields of the line, not attributes. */
const sampleFields = new Set(['time', 'message', 'level', 'levelText', 'source', 'group', 'stage', 'attributes']);

function sampleLine(e: TocsinEvent, sample: Record<string, unknown>): LogLine {
  const attrs = e.attributes;
  const attributes: Record<string, unknown> = isRecord(sample.attributes) ? { ...sample.attributes } : {};
  for (const [k, v] of Object.entries(sample)) if (!sampleFields.has(k) && v !== undefined) attributes[k] = v;
  if (text(attrs.rule)) attributes.rule = attrs.rule;
  attributes.topic = e.topic;
  const line: LogLine = {
    time: timeOf(sample.time, e.time),
    message: typeof sample.message === 'string' ? sample.message : JSON.stringify(sample.message ?? ''),
    level: levelOf(sample),
    attributes,
  };
  const source = text(sample.source) ?? text(attrs.source);
  const group = text(sample.group) ?? text(attrs.group);
  const stage = text(sample.stage) ?? text(attrs.stage);
  if (source) line.source = source;
  if (group) line.group = group;
  if (stage) line.stage = stage;
  return line;
}

/** The line of an event that is not a log match: its title and text, with its facts as attributes. */
function eventLine(e: TocsinEvent): LogLine {
  return {
    time: e.time,
    message: e.text ? `${e.title}\n${e.text}` : e.title,
    level: severityLevels[e.severity],
    source: e.source.name,
    attributes: {
      ...e.attributes,
      kind: e.kind,
      severity: e.severity,
      topic: e.topic,
      'source.type': e.source.type,
      ...(Object.keys(e.source.tags).length ? { 'source.tags': e.source.tags } : {}),
      'event.id': e.id,
      dedupKey: e.dedupKey,
    },
  };
}

/** The lines one event stands for. */
export function linesOfEvent(e: TocsinEvent): LogLine[] {
  const samples = e.attributes.samples;
  if (e.kind === LOG_MATCH_KIND && Array.isArray(samples) && samples.length > 0)
    return samples.filter(isRecord).map((s) => sampleLine(e, s));
  return [eventLine(e)];
}

/** The lines of one send: a group window's events (oldest first), else the one event's. */
export function logLinesOf(req: Pick<SendRequest, 'event' | 'group'>): LogLine[] {
  const events = req.group && req.group.length > 0 ? req.group : [req.event];
  return events.flatMap(linesOfEvent);
}
