import type { EventInput } from '@tocsin/protocol';

export interface AgentIdentity {
  id: string;
  hostname: string;
  tags: Record<string, string>;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * The event of an agent going offline (silent too long) or coming back; the two of one outage share a dedup key
 * (the time it went offline), so a pager resolves what it opened.
 */
export function agentEvent(
  kind: 'agent.offline' | 'agent.online',
  a: AgentIdentity,
  offlineSince: number,
  lastSeenAt: number | null,
): EventInput {
  const source = { type: 'agent', name: a.hostname, tags: a.tags };
  const attributes = { agentId: a.id, hostname: a.hostname, lastSeenAt: iso(lastSeenAt) };
  const dedupKey = `agent/${a.id}/${offlineSince}`;
  if (kind === 'agent.offline')
    return {
      kind,
      severity: 'error',
      source,
      title: `agent ${a.hostname} is offline`,
      text: `nothing heard from it since ${iso(lastSeenAt) ?? 'its enrolment'}`,
      attributes,
      dedupKey,
      time: offlineSince,
    };
  return {
    kind,
    severity: 'ok',
    source,
    title: `agent ${a.hostname} is online again`,
    text: `offline since ${iso(offlineSince)}`,
    attributes,
    dedupKey,
  };
}
