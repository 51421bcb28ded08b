/**
 * Enrolment: with no credential stored, the enrolment token is exchanged once at `POST /api/agents/enroll` for
 * the agent's id, credential and the server's command key, stored in `<state-dir>/credential.json` (0600, in a
 * 0700 directory). With one stored, the token is not used again.
 */
import path from 'node:path';
import { type EnrollRequest, type EnrollResponse, enrollResponseSchema } from '@tocsin/protocol';
import type { AgentLog } from './agent-log.js';
import { ensureStateDir, readJson, writeJsonAtomic } from './state-files.js';

/** An agent that cannot go on without a person: a refused enrolment or a revoked credential (exit 78). */
export class AgentConfigError extends Error {}

export const credentialFile = (stateDir: string) => path.join(stateDir, 'credential.json');

export function storedCredential(stateDir: string): EnrollResponse | undefined {
  const raw = readJson(credentialFile(stateDir));
  if (raw === undefined) return undefined;
  const parsed = enrollResponseSchema.safeParse(raw);
  if (!parsed.success) throw new AgentConfigError(`${credentialFile(stateDir)} is not a credential: enrol again`);
  return parsed.data;
}

export interface EnrollOptions {
  url: string;
  stateDir: string;
  token?: string;
  request: Omit<EnrollRequest, 'token'>;
  log: AgentLog;
}

/** The stored credential, or a new one from the enrolment token. */
export async function ensureEnrolled(o: EnrollOptions): Promise<EnrollResponse> {
  ensureStateDir(o.stateDir);
  const stored = storedCredential(o.stateDir);
  if (stored) {
    if (o.token) o.log.info('already enrolled: --enroll token ignored', { agentId: stored.agentId });
    return stored;
  }
  if (!o.token) throw new AgentConfigError(`not enrolled yet: give --enroll TOKEN (state dir ${o.stateDir})`);
  const res = await fetch(apiUrl(o.url, '/api/agents/enroll'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...o.request, token: o.token }),
  });
  const text = await res.text();
  if (!res.ok) {
    const message = `enrolment refused (${res.status}): ${errorMessage(text)}`;
    if (res.status >= 400 && res.status < 500 && res.status !== 429) throw new AgentConfigError(message);
    throw new Error(message);
  }
  const credential = enrollResponseSchema.parse(JSON.parse(text));
  writeJsonAtomic(credentialFile(o.stateDir), credential, 0o600);
  o.log.info('enrolled', { agentId: credential.agentId });
  return credential;
}

/** `path` under the server's URL, keeping a path the URL has (a server behind a proxy's prefix). */
export function apiUrl(url: string, path: string): URL {
  const u = new URL(url);
  u.pathname = `${u.pathname.replace(/\/$/, '')}${path}`;
  return u;
}

function errorMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: { message?: string } };
    return body.error?.message ?? text.slice(0, 200);
  } catch {
    return text.slice(0, 200);
  }
}
