import { ago, clientFlags, createApiClient, table } from './api-client.js';
import { parseFlags, type Command } from './command.js';

const usage = `usage: tocsin tokens create NAME --scope admin|read|ingest
       tocsin tokens list
       tocsin tokens revoke ID|NAME`;

export const tokensCommand: Command = {
  summary: 'create, list and revoke API tokens',
  async run(argv) {
    const [action, ...rest] = argv;
    const parsed = parseFlags(rest, { scope: { type: 'string' }, ...clientFlags }, usage, true);
    if (!parsed) return 0;
    const api = createApiClient(parsed.values);
    const [arg] = parsed.positionals;
    if (action === 'create') {
      const scope = parsed.values.scope;
      if (!arg || !['admin', 'read', 'ingest'].includes(String(scope))) {
        process.stderr.write('tocsin tokens create: give a NAME and --scope admin, read or ingest\n');
        return 2;
      }
      const t = await api.post<{ token: string; name: string; scope: string }>('/api/tokens', { name: arg, scope });
      process.stdout.write(`${t.token}\n`);
      process.stderr.write(`token '${t.name}' (${t.scope}) created; it is shown only now\n`);
      return 0;
    }
    if (action === 'list') {
      const { tokens } = await api.get<{ tokens: { id: string; name: string; scope: string; prefix: string; createdAt: string; lastUsedAt: string | null; revokedAt: string | null }[] }>('/api/tokens');
      const rows = tokens.map((t) => [t.name, t.scope, `${t.prefix}…`, ago(t.createdAt), ago(t.lastUsedAt), t.revokedAt ? 'revoked' : 'active', t.id]);
      process.stdout.write(table(['NAME', 'SCOPE', 'TOKEN', 'CREATED', 'LAST USED', 'STATUS', 'ID'], rows) + '\n');
      return 0;
    }
    if (action === 'revoke') {
      if (!arg) {
        process.stderr.write('tocsin tokens revoke: give the token ID or NAME\n');
        return 2;
      }
      const t = await api.delete<{ name: string }>(`/api/tokens/${encodeURIComponent(arg)}`);
      process.stdout.write(`token '${t.name}' revoked\n`);
      return 0;
    }
    process.stderr.write(`tocsin tokens: unknown action '${action ?? ''}'\n${usage}\n`);
    return 2;
  },
};
