/**
 * `tocsin command run|list|show`: runs a command on the agents matching tags (or ids), follows it showing each
 * host's state, prints the verdict and exits 0 only on Success; lists runs (the audit) and shows one with output.
 * Run states: InProgress ──▶ Success | Failed | Cancelled (see fleet/command-coordinator.ts).
 */
import { setTimeout as wait } from 'node:timers/promises';
import { createApiClient, table } from './api-client.js';
import { type Action, type FlagValues, keyValues, nounCommand, printJson, UsageError } from './command.js';
import { cliIo } from './cli-io.js';

interface InvocationView {
  agentId: string;
  hostname: string;
  status: string;
  exitCode: number | null;
  stdout: string;
  stderr: string;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  reason?: string;
}

interface RunView {
  id: string;
  command: string;
  selector: string;
  expected: number;
  targetCount: number;
  status: string;
  reason?: string;
  startedBy: string;
  createdAt: string;
  invocations?: InvocationView[];
}

export const POLL_MS = 500;

/** The body of POST /api/commands from the flags and the words after `--`. */
export function runBody(v: FlagValues, words: string[]): Record<string, unknown> {
  if (words.length === 0) throw new UsageError('command run: give the command after -- (see --help)');
  const tags: Record<string, string[]> = {};
  keyValues(v.tag, 'tag');
  for (const t of (v.tag as string[] | undefined) ?? []) {
    const [k, val] = [t.slice(0, t.indexOf('=')), t.slice(t.indexOf('=') + 1)];
    tags[k] = [...new Set([...(tags[k] ?? []), ...val.split('|')])];
  }
  const agents = (v.agent as string[] | undefined) ?? [];
  if (!Object.keys(tags).length && !agents.length && v.group === undefined)
    throw new UsageError('command run: give --tag KEY=VALUE, --agent ID or --group NAME');
  const num = (flag: string) => {
    const s = v[flag] as string | undefined;
    if (s === undefined) return undefined;
    if (/^\d+%$/.test(s) && flag !== 'expected') return s;
    if (!/^\d+$/.test(s))
      throw new UsageError(`command run: --${flag} '${s}' is not a number${flag === 'expected' ? '' : ' or N%'}`);
    return Number(s);
  };
  const body: Record<string, unknown> = {
    command: words.join(' '),
    targets: {
      ...(Object.keys(tags).length
        ? { tags: Object.fromEntries(Object.entries(tags).map(([k, l]) => [k, l.length === 1 ? l[0] : l])) }
        : {}),
      ...(agents.length ? { agents } : {}),
    },
  };
  if (v.expected !== undefined) body.expected = num('expected');
  if (v.group !== undefined) body.group = v.group;
  if (v['max-concurrency'] !== undefined) body.maxConcurrency = num('max-concurrency');
  if (v['max-errors'] !== undefined) body.maxErrors = num('max-errors');
  if (v.timeout !== undefined) body.executionTimeout = v.timeout;
  if (v['delivery-timeout'] !== undefined) body.deliveryTimeout = v['delivery-timeout'];
  if (v.topic) body.topics = v.topic;
  return body;
}

const hostLine = (i: InvocationView) => {
  const exit = i.exitCode !== null ? ` exit ${i.exitCode}` : '';
  return `${i.hostname} (${i.agentId}): ${i.status}${exit}${i.reason ? ` — ${i.reason}` : ''}`;
};

const run: Action = {
  synopsis:
    '--tag K=V [--tag K=V]... [--agent ID]... [--expected N | --group G] [--max-concurrency N|N%] ' +
    '[--max-errors N|N%] [--timeout 10m] [--topic T]... -- CMD...',
  rest: true,
  options: {
    tag: { type: 'string', multiple: true },
    agent: { type: 'string', multiple: true },
    expected: { type: 'string' },
    group: { type: 'string' },
    'max-concurrency': { type: 'string' },
    'max-errors': { type: 'string' },
    timeout: { type: 'string' },
    'delivery-timeout': { type: 'string' },
    topic: { type: 'string', multiple: true },
  },
  help: `Runs CMD (with /bin/sh -c) on every agent whose tags match (every --tag key, any of
its values: --tag env=prod|stage), or on the agents named. It checks that the
number of hosts that succeeded equals the expected count (--expected, a group's
size with --group, else the number matched), shows each host as it moves, and
exits 0 only when the run succeeded. For example:
  tocsin command run --tag role=web --group web-fleet --max-concurrency 50% -- systemctl reload nginx`,
  async run(v, words) {
    const api = createApiClient(v);
    const body = runBody(v, words);
    // --group alone: the group's agents, by its selector, and its expected size.
    const targets = body.targets as Record<string, unknown>;
    if (!targets.tags && !targets.agents) {
      const g = await api.get<{ selector: Record<string, unknown> }>(
        `/api/agent-groups/${encodeURIComponent(String(v.group))}`,
      );
      targets.tags = g.selector;
    }
    let r = await api.post<RunView>('/api/commands', body);
    const io = cliIo();
    io.stderr.write(`run ${r.id}: ${r.targetCount} hosts matched ${r.selector}, ${r.expected} expected\n`);
    const seen = new Map<string, string>();
    for (;;) {
      r = await api.get<RunView>(`/api/commands/${encodeURIComponent(r.id)}`);
      for (const i of r.invocations ?? []) {
        const line = hostLine(i);
        if (seen.get(i.agentId) !== line) io.stderr.write(`  ${line}\n`);
        seen.set(i.agentId, line);
      }
      if (r.status !== 'InProgress') break;
      await wait(POLL_MS);
    }
    (r.status === 'Success' ? io.stdout : io.stderr).write(`${r.status}: ${r.reason ?? ''}\n`);
    return r.status === 'Success' ? 0 : 1;
  },
};

/** The query of GET /api/commands from `list`'s flags: the server checks the values (a 400 names the field). */
export function listQuery(v: FlagValues): string {
  const q = new URLSearchParams({ limit: String(v.limit ?? 20) });
  if (typeof v.agent === 'string') q.set('agent', v.agent);
  if (typeof v.status === 'string') q.set('status', v.status);
  return q.toString();
}

const list: Action = {
  synopsis: '[--agent ID] [--status InProgress|Success|Failed|Cancelled] [--limit N] [--json]',
  options: {
    agent: { type: 'string' },
    status: { type: 'string' },
    limit: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(v) {
    const api = createApiClient(v);
    const { runs } = await api.get<{ runs: RunView[] }>(`/api/commands?${listQuery(v)}`);
    if (printJson(v, runs)) return 0;
    const rows = runs.map((r) => [
      r.id,
      r.createdAt,
      r.startedBy,
      r.selector,
      `${r.expected}`,
      r.status,
      r.command.slice(0, 40),
    ]);
    cliIo().stdout.write(`${table(['ID', 'STARTED', 'BY', 'TARGETS', 'EXPECTED', 'STATUS', 'COMMAND'], rows)}\n`);
    return 0;
  },
};

const show: Action = {
  args: ['ID'],
  synopsis: '[--json]',
  options: { json: { type: 'boolean' } },
  async run(v, [id]) {
    const r = await createApiClient(v).get<RunView>(`/api/commands/${encodeURIComponent(id)}`);
    if (printJson(v, r)) return 0;
    const out = cliIo().stdout;
    out.write(`run ${r.id} by ${r.startedBy} at ${r.createdAt}\ncommand: ${r.command}\n`);
    out.write(
      `targets: ${r.selector} (${r.targetCount} matched, ${r.expected} expected)\n${r.status}: ${r.reason ?? ''}\n`,
    );
    for (const i of r.invocations ?? []) {
      out.write(`\n${hostLine(i)}\n`);
      if (i.stdout) out.write(`${i.stdout}${i.stdoutTruncated ? '\n[stdout truncated]' : ''}\n`);
      if (i.stderr) out.write(`stderr:\n${i.stderr}${i.stderrTruncated ? '\n[stderr truncated]' : ''}\n`);
    }
    return 0;
  },
};

export const commandRunsCommand = nounCommand(
  'command',
  'run a command on a tagged fleet, verified',
  { run, list, show },
  'list',
);
