/** The log pages' reads shared by several of them. */
import { api } from '../core/api-client.js';
import type { LogGroupView } from '../core/api-types.js';

/** `GET /api/log-groups`, by name: the answer's `logGroups` (the server's name for them; `groups` is read too). */
export async function loadLogGroups(signal: AbortSignal): Promise<LogGroupView[]> {
  const answer = await api.get<{ logGroups?: LogGroupView[]; groups?: LogGroupView[] }>('/api/log-groups', {
    signal,
  });
  return [...(answer.logGroups ?? answer.groups ?? [])].sort((a, b) => a.name.localeCompare(b.name));
}
