/**
 * Which log group an ingested event goes to (docs/logs.md, "Group routing"), in this order:
 *   1. the explicit group: the event's own `group` field (Tocsin's model) or the request's `X-Tocsin-Log-Group`;
 *   2. the first log group, in the order they were applied, whose `match` matches the event: its `source` is one
 *      of `match.sources`, or every one of `match.labels` equals the event's resource attribute (a Loki label, an
 *      OTLP resource attribute) of that name;
 *   3. the format's default: OTLP `service.name`, the Loki service label (`service_name`, … `job`), the CloudWatch
 *      log group, the syslog group setting, else `default`.
 */
import type { LogEvent, LogGroupSpec } from '@tocsin/protocol';

/** Whether a group's `match` takes the event (a group without `match` takes nothing by matching). */
export function groupMatches(spec: LogGroupSpec, e: Pick<LogEvent, 'source' | 'resource'>): boolean {
  const m = spec.match;
  if (!m) return false;
  if (m.sources && e.source !== undefined && m.sources.includes(e.source)) return true;
  if (m.labels) {
    const entries = Object.entries(m.labels);
    if (entries.length === 0) return false;
    return entries.every(([k, v]) => {
      const have = e.resource[k];
      return (typeof have === 'string' ? have : have === undefined ? undefined : String(have)) === v;
    });
  }
  return false;
}

/** The name of the first group whose match takes the event, else undefined. */
export function matchedGroup(
  specs: readonly LogGroupSpec[],
  e: Pick<LogEvent, 'source' | 'resource'>,
): string | undefined {
  for (const spec of specs) if (groupMatches(spec, e)) return spec.name;
  return undefined;
}

/**
 * Sets the group of each event that has no explicit one: the matched group, else `formatDefault(e)` (what the
 * decoder put there). `explicit(e)` says whether the event's group was given by the sender (field or header).
 */
export function routeGroups(
  events: LogEvent[],
  specs: readonly LogGroupSpec[],
  explicit: (e: LogEvent) => boolean,
): void {
  if (!specs.some((s) => s.match)) return;
  for (const e of events) {
    if (explicit(e)) continue;
    const matched = matchedGroup(specs, e);
    if (matched) e.group = matched;
  }
}
