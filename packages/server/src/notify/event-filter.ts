import type { SubscriptionFilter, TocsinEvent } from '@tocsin/protocol';

function kindMatches(pattern: string, kind: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('.*')) return kind.startsWith(pattern.slice(0, -1));
  return pattern === kind;
}

/** True when the event passes every part of the filter that is set. */
export function eventMatches(filter: SubscriptionFilter | undefined, event: TocsinEvent): boolean {
  if (!filter) return true;
  if (filter.kinds && !filter.kinds.some((k) => kindMatches(k, event.kind))) return false;
  if (filter.severities && !filter.severities.includes(event.severity)) return false;
  if (filter.sourceTypes && !filter.sourceTypes.includes(event.source.type)) return false;
  if (filter.sourceTags) {
    for (const [k, v] of Object.entries(filter.sourceTags)) if (event.source.tags[k] !== v) return false;
  }
  return true;
}
