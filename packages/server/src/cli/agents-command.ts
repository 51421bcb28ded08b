import { parseDuration, printSelector, type TagSelector } from '@tocsin/protocol';
import { ago, createApiClient, table } from './api-client.js';
import {
  clientFlags,
  keyValues,
  nounCommand,
  parseFlags,
  printJson,
  UsageError,
  type Action,
  type Command,
} from './command.js';
import { cliIo } from './cli-io.js';

interface AgentRow {
  id: string;
  hostname: string;
  tags: Record<string, string>;
  version: string;
  platform: string;
  state: string;
  lastSeenAt: string | null;
  node: string | null;
  commands: { enabled: boolean; allow: string[] };
  selfChecks: { name: string; ok: boolean; message: string }[];
}

interface EnrollTokenRow {
  id: string;
  name: string;
  tags: Record<string, string>;
  uses: number;
  used: number;
  expiresAt: string;
  state: string;
}

interface GroupRow {
  name: string;
  selector: TagSelector;
  expectedSize?: number;
  healthy?: number;
  members?: number;
}

const out = (text: string) => cliIo().stdout.write(`${text}\n`);
const tagText = (tags: Record<string, string>) =>
  Object.entries(tags)
    .map(([k, v]) => `${k}=${v}`)
    .join(',') || '-';
const agentPath = (id: string) => `/api/agents/${encodeURIComponent(id)}`;
const tagFlag = { tag: { type: 'string' as const, multiple: true } };

const list: Action = {
  synopsis: '[--tag k=v ...] [--state online|offline] [--json]',
  options: { ...tagFlag, state: { type: 'string' }, json: { type: 'boolean' } },
  async run(v) {
    const q = new URLSearchParams();
    const tags = keyValues(v.tag, 'tag');
    if (Object.keys(tags).length > 0) q.set('tags', tagText(tags));
    if (v.state !== undefined) {
      if (v.state !== 'online' && v.state !== 'offline')
        throw new UsageError(`--state '${v.state}' is not online or offline`);
      q.set('state', String(v.state));
    }
    const qs = q.size > 0 ? `?${q}` : '';
    const { agents } = await createApiClient(v).get<{ agents: AgentRow[] }>(`/api/agents${qs}`);
    if (printJson(v, agents)) return 0;
    const rows = agents.map((a) => [a.id, a.hostname, a.state, tagText(a.tags), a.version, ago(a.lastSeenAt)]);
    out(table(['ID', 'HOSTNAME', 'STATE', 'TAGS', 'VERSION', 'LAST SEEN'], rows));
    return 0;
  },
};

const show: Action = {
  args: ['ID'],
  synopsis: '[--json]',
  options: { json: { type: 'boolean' } },
  async run(v, [id]) {
    const a = await createApiClient(v).get<AgentRow>(agentPath(id));
    if (printJson(v, a)) return 0;
    const lines = [
      `id:        ${a.id}`,
      `hostname:  ${a.hostname}`,
      `state:     ${a.state}`,
      `tags:      ${tagText(a.tags)}`,
      `version:   ${a.version} (${a.platform})`,
      `last seen: ${ago(a.lastSeenAt)}`,
      `node:      ${a.node ?? '-'}`,
      `commands:  ${a.commands.enabled ? `enabled (${a.commands.allow.join(', ') || 'any'})` : 'disabled'}`,
      ...a.selfChecks.map((c) => `check:     ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.message}`),
    ];
    out(lines.join('\n'));
    return 0;
  },
};

const revoke: Action = {
  args: ['ID'],
  async run(v, [id]) {
    await createApiClient(v).delete(agentPath(id));
    out(`agent '${id}' revoked: its credential is refused and its connection closed`);
    return 0;
  },
};

const tag: Action = {
  args: ['ID'],
  synopsis: 'k=v ... [--remove k ...]',
  options: { remove: { type: 'string', multiple: true } },
  help: `Sets the k=v tags and removes the --remove keys, keeping the others. What the
agent says of itself and its enrolment token's tags win again at its next hello.`,
  async run(v, [id, ...pairs]) {
    const api = createApiClient(v);
    const set = keyValues(pairs, 'tag');
    const remove = (v.remove as string[] | undefined) ?? [];
    if (pairs.length === 0 && remove.length === 0) throw new UsageError('agents tag: give k=v pairs or --remove k');
    const current = await api.get<AgentRow>(agentPath(id));
    const tags = { ...current.tags, ...set };
    for (const k of remove) delete tags[k];
    const body = JSON.stringify({ tags });
    const a = await api.send<AgentRow>('PATCH', agentPath(id), body, { 'content-type': 'application/json' });
    out(`agent '${id}' tags: ${tagText(a.tags)}`);
    return 0;
  },
};

const tokenCreate: Action = {
  synopsis: '[--uses N] [--expires 1h] [--tag k=v ...] [--name N]',
  options: { uses: { type: 'string' }, expires: { type: 'string' }, name: { type: 'string' }, ...tagFlag },
  help: `The token is printed once, on stdout, then the line to run on a host to enrol it.
--uses: how many agents it may enrol (default 1); --expires: how long it can be used
(1m to 30d, default 1h); --tag: tags every agent it enrols gets.`,
  async run(v) {
    const body: Record<string, unknown> = { tags: keyValues(v.tag, 'tag') };
    if (v.uses !== undefined) {
      const uses = Number(v.uses);
      if (!Number.isInteger(uses) || uses < 1) throw new UsageError(`--uses '${v.uses}' is not a whole number >= 1`);
      body.uses = uses;
    }
    if (v.expires !== undefined) {
      if (parseDuration(String(v.expires)) === undefined)
        throw new UsageError(`--expires '${v.expires}' is not a duration like 30m, 1h or 7d`);
      body.expiresIn = v.expires;
    }
    if (v.name !== undefined) body.name = v.name;
    const api = createApiClient(v);
    const t = await api.post<EnrollTokenRow & { token: string }>('/api/agents/enrollment-tokens', body);
    // The token alone on the first line, so `tocsin agents enroll-token create | head -1` captures it.
    out(t.token);
    out(`tocsin-agent --url ${api.url} --enroll ${t.token}`);
    cliIo().stderr.write(
      `enrolment token '${t.name}' (${t.id}) created: ${t.uses} use(s), expires ${t.expiresAt}; shown only now\n`,
    );
    return 0;
  },
};

const tokenList: Action = {
  synopsis: '[--json]',
  options: { json: { type: 'boolean' } },
  async run(v) {
    const { tokens } = await createApiClient(v).get<{ tokens: EnrollTokenRow[] }>('/api/agents/enrollment-tokens');
    if (printJson(v, tokens)) return 0;
    const rows = tokens.map((t) => [t.id, t.name, t.state, `${t.used}/${t.uses}`, tagText(t.tags), t.expiresAt]);
    out(table(['ID', 'NAME', 'STATE', 'USED', 'TAGS', 'EXPIRES'], rows));
    return 0;
  },
};

const tokenRevoke: Action = {
  args: ['ID'],
  async run(v, [id]) {
    await createApiClient(v).delete(`/api/agents/enrollment-tokens/${encodeURIComponent(id)}`);
    out(`enrolment token '${id}' revoked (agents it enrolled stay)`);
    return 0;
  },
};

const enrollToken = nounCommand('agents enroll-token', 'create, list and revoke enrolment tokens', {
  create: tokenCreate,
  list: tokenList,
  revoke: tokenRevoke,
});

const agents = nounCommand(
  'agents',
  'list, show, tag and revoke agents; make enrolment tokens',
  {
    list,
    show,
    revoke,
    tag,
    'enroll-token': {
      args: ['create|list|revoke'],
      synopsis: '... (see tocsin agents enroll-token --help)',
      // Only for the usage: agentsCommand hands `enroll-token` to its own noun.
      run: async () => 0,
    },
  },
  'list',
  'State is online or offline; tags are key=value. Revoking an agent asks nothing.',
);

/**
 * `tocsin agents`: the verbs of nounCommand, plus two it cannot express:
 * `enroll-token` (a noun of its own) and `tag` (any number of k=v after the ID).
 */
export const agentsCommand: Command = {
  summary: agents.summary,
  async run(argv) {
    if (argv[0] === 'enroll-token') return enrollToken.run(argv.slice(1));
    if (argv[0] === 'tag' && !argv.some((a) => a === '--help' || a === '-h')) return runTag(argv.slice(1));
    return agents.run(argv);
  },
};

async function runTag(argv: string[]): Promise<number> {
  const parsed = parseFlags(argv, { ...tag.options, ...clientFlags }, 'usage: tocsin agents tag ID k=v ...', true);
  if (!parsed) return 0;
  const [id] = parsed.positionals;
  if (!id) throw new UsageError('agents tag: give the ID (see --help)');
  return tag.run(parsed.values, parsed.positionals);
}

/** `tocsin agent-groups`: the groups with their selector, expected size and members online. */
export const agentGroupsCommand: Command = nounCommand(
  'agent-groups',
  'list agent groups: selector, expected size, members online',
  {
    list: {
      synopsis: '[--json]',
      options: { json: { type: 'boolean' } },
      async run(v) {
        const { groups } = await createApiClient(v).get<{ groups: GroupRow[] }>('/api/agent-groups');
        if (printJson(v, groups)) return 0;
        const rows = groups.map((g) => [
          g.name,
          printSelector(g.selector),
          g.expectedSize === undefined ? '-' : String(g.expectedSize),
          g.healthy === undefined ? '-' : `${g.healthy}/${g.members ?? '?'}`,
        ]);
        out(table(['NAME', 'SELECTOR', 'EXPECTED', 'HEALTHY'], rows));
        return 0;
      },
    },
  },
  'list',
);
