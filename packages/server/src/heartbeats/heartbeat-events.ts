import type { EventInput } from '@tocsin/protocol';
import type { HeartbeatAnnouncement } from './heartbeat-state.js';

export interface HeartbeatIdentity {
  id: string;
  name: string;
  tags: Record<string, string>;
}

const BODY_IN_EVENT = 10 * 1024;

/** The event of an announcement; the down and up of one outage share a dedup key. */
export function heartbeatEvent(
  h: HeartbeatIdentity,
  a: HeartbeatAnnouncement,
  outageSince: number,
  body: string | null,
): EventInput {
  const source = { type: 'heartbeat', name: h.name, tags: h.tags };
  const dedupKey = `heartbeat/${h.id}/${outageSince}`;
  const attributes: Record<string, unknown> = { heartbeat: h.name, reason: a.reason };
  if (a.kind === 'heartbeat.down') {
    if (a.deadline !== undefined) attributes.deadline = new Date(a.deadline).toISOString();
    if (a.exitStatus !== undefined) attributes.exitStatus = a.exitStatus;
    if (body) attributes.body = body.length > BODY_IN_EVENT ? body.slice(-BODY_IN_EVENT) : body;
    return {
      kind: 'heartbeat.down',
      severity: 'critical',
      source,
      title: `${h.name}: ${a.reason}`,
      text: body ? `${a.reason}\n\n${String(attributes.body)}` : a.reason,
      attributes,
      dedupKey,
      time: a.deadline,
    };
  }
  if (a.kind === 'heartbeat.late') {
    attributes.expectedAt = new Date(a.expectedAt).toISOString();
    return {
      kind: 'heartbeat.late',
      severity: 'warning',
      source,
      title: `${h.name} is late`,
      text: `expected at ${attributes.expectedAt}`,
      attributes,
      dedupKey: `${dedupKey}/late`,
      time: a.expectedAt,
    };
  }
  return {
    kind: 'heartbeat.up',
    severity: 'ok',
    source,
    title: `${h.name} is up again`,
    text: a.reason,
    attributes,
    dedupKey,
  };
}
