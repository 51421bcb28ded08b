/** The run-command pages' reads and writes of `/api/commands`. */
import { api } from '../core/api-client.js';
import { seg } from '../core/router.js';

import type { CommandRun, CommandRunDetail } from './command-verdict.js';

export const runPath = (id: string) => `/api/commands/${seg(id)}`;

/** The audit: the last `limit` runs, newest first; only those that targeted agent `agent` when given. */
export async function loadRuns(signal: AbortSignal, filter: { agent?: string; limit?: number } = {}) {
  const q = new URLSearchParams();
  if (filter.limit) q.set('limit', String(filter.limit));
  if (filter.agent) q.set('agent', filter.agent);
  const query = q.toString();
  const { runs } = await api.get<{ runs: CommandRun[] }>(`/api/commands${query ? `?${query}` : ''}`, { signal });
  return runs;
}

export function loadRun(id: string, signal: AbortSignal): Promise<CommandRunDetail> {
  return api.get<CommandRunDetail>(runPath(id), { signal });
}

export function cancelRun(id: string): Promise<CommandRun> {
  return api.post<CommandRun>(`${runPath(id)}/cancel`, {});
}
