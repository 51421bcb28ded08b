/** The run-command pages' reads and writes of `/api/commands`. */
import { api } from '../core/api-client.js';
import { seg } from '../core/router.js';

import type { CommandRun, CommandRunDetail } from './command-verdict.js';

export const runPath = (id: string) => `/api/commands/${seg(id)}`;

/** The audit: the last `limit` runs, newest first; of those, the ones on agent `agent` when given. */
export async function loadRuns(signal: AbortSignal, filter: { agent?: string; limit?: number } = {}) {
  const q = filter.limit ? `?limit=${filter.limit}` : '';
  const { runs } = await api.get<{ runs: CommandRun[] }>(`/api/commands${q}`, { signal });
  const agent = filter.agent;
  return agent ? runs.filter((r) => r.hosts?.some((h) => h.id === agent)) : runs;
}

export function loadRun(id: string, signal: AbortSignal): Promise<CommandRunDetail> {
  return api.get<CommandRunDetail>(runPath(id), { signal });
}

export function cancelRun(id: string): Promise<CommandRun> {
  return api.post<CommandRun>(`${runPath(id)}/cancel`, {});
}
