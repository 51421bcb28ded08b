/** The agent pages' shapes (as `/api/agents`, its enrolment tokens and `/api/agent-groups` answer them) and reads. */
import type { AgentView, EnrollmentTokenView } from '@tocsin/protocol';
import { api } from '../core/api-client.js';
import { seg } from '../core/router.js';

/** An agent as `GET /api/agents` shows it. */
export type Agent = AgentView;

export type EnrollmentToken = EnrollmentTokenView;

export interface AgentGroup {
  name: string;
  description?: string;
  selector: Record<string, string | string[]>;
  expectedSize: number;
  healthy: number;
  members?: number;
  topics?: string[];
}

export const agentPath = (id: string) => `/api/agents/${seg(id)}`;

/** The agents, filtered by the server: `tags` as `role=web,env=prod`, `state` online or offline. */
export async function loadAgents(filter: { tags?: string; state?: string }, signal: AbortSignal): Promise<Agent[]> {
  const q = new URLSearchParams();
  if (filter.tags) q.set('tags', filter.tags);
  if (filter.state) q.set('state', filter.state);
  const qs = q.toString();
  return (await api.get<{ agents: Agent[] }>(`/api/agents${qs ? `?${qs}` : ''}`, { signal })).agents;
}

export function loadAgent(id: string, signal: AbortSignal): Promise<Agent> {
  return api.get<Agent>(agentPath(id), { signal });
}

export async function loadGroups(signal: AbortSignal): Promise<AgentGroup[]> {
  return (await api.get<{ groups: AgentGroup[] }>('/api/agent-groups', { signal })).groups;
}

export async function loadEnrollmentTokens(signal: AbortSignal): Promise<EnrollmentToken[]> {
  return (await api.get<{ tokens: EnrollmentToken[] }>('/api/agents/enrollment-tokens', { signal })).tokens;
}

/** The command line that enrols a host with `token` against this server (the page's own origin). */
export function enrollCommand(token: string, origin = window.location.origin): string {
  return `tocsin-agent --url ${origin} --enroll ${token}`;
}

/** Healthy against expected, as a badge: all there is UP, at least half is LATE, fewer is DOWN. */
export function groupHealth(g: Pick<AgentGroup, 'healthy' | 'expectedSize'>): { state: string; label: string } {
  const label = `${g.healthy} of ${g.expectedSize} healthy`;
  if (g.healthy >= g.expectedSize) return { state: 'UP', label };
  if (g.healthy * 2 >= g.expectedSize) return { state: 'LATE', label };
  return { state: 'DOWN', label };
}
