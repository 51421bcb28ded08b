import { ago, clientFlags, createApiClient, table } from './api-client.js';
import { parseFlags, type Command } from './command.js';
import type { TokenService } from '../tokens/token-service.js';
import { cliIo } from './cli-io.js';

const usage = `usage: tocsin tokens create NAME --scope admin|write|read|ingest
       tocsin tokens list
       tocsin tokens revoke ID|NAME

Every form also takes --url URL and --token TOKEN. A new token is printed
once, on stdout; only its prefix can be listed later. Scopes: admin (all),
write (every domain write and read), read (reads), ingest (sending data in).

With --local, the command works on the database directly instead of through
the server: on the server's host, with no token (for example when the admin
token is lost: tocsin tokens create rescue --scope admin --local). It finds
the database as tocsin start does: --data-dir DIR or --database-url URL, or
TOCSIN_DATA_DIR / TOCSIN_DATABASE_URL.`;

const scopes = ['admin', 'write', 'read', 'ingest'];
type Scope = 'admin' | 'write' | 'read' | 'ingest';

const localFlags = {
  local: { type: 'boolean' },
  'data-dir': { type: 'string' },
  'database-url': { type: 'string' },
} as const;

interface TokenRow {
  id: string;
  name: string;
  scope: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

function fail(message: string): number {
  cliIo().stderr.write(`tocsin tokens: ${message}\n`);
  return 2;
}

export const tokensCommand: Command = {
  summary: 'create, list and revoke API tokens',
  async run(argv) {
    const parsed = parseFlags(argv, { scope: { type: 'string' }, ...clientFlags, ...localFlags }, usage, true);
    if (!parsed) return 0;
    const [action, arg] = parsed.positionals;
    const local = parsed.values.local === true;
    if (!local && (parsed.values['data-dir'] !== undefined || parsed.values['database-url'] !== undefined))
      return fail('--data-dir and --database-url go with --local');
    const direct = async <T>(run: (tokens: TokenService) => Promise<T>): Promise<T> => {
      // Loaded only here: the stand-alone CLI package has no database drivers.
      const { withLocalTokens } = await import('../tokens/token-local.js');
      return withLocalTokens(parsed.values as { 'data-dir'?: string; 'database-url'?: string }, run, cliIo());
    };
    if (action === 'create') {
      const scope = parsed.values.scope;
      if (!arg) return fail('give the NAME of the new token');
      if (scope === undefined) return fail('give --scope admin, write, read or ingest');
      if (!scopes.includes(String(scope))) return fail(`--scope '${scope}' is not one of ${scopes.join(', ')}`);
      const t = local
        ? await direct(async (tokens) => {
            const made = await tokens.create(arg, scope as Scope);
            return { token: made.token, name: made.view.name, scope: made.view.scope };
          })
        : await createApiClient(parsed.values).post<{ token: string; name: string; scope: string }>('/api/tokens', {
            name: arg,
            scope,
          });
      // The token alone on stdout, so `$(tocsin tokens create …)` captures it.
      cliIo().stdout.write(`${t.token}\n`);
      cliIo().stderr.write(`token '${t.name}' (${t.scope}) created; it is shown only now, so keep it\n`);
      return 0;
    }
    if (action === 'list') {
      const { tokens } = local
        ? { tokens: await direct((t) => t.list()) }
        : await createApiClient(parsed.values).get<{ tokens: TokenRow[] }>('/api/tokens');
      const rows = tokens.map((t) => [
        t.name,
        t.scope,
        `${t.prefix}…`,
        ago(t.createdAt),
        ago(t.lastUsedAt),
        t.revokedAt ? 'revoked' : 'active',
        t.id,
      ]);
      cliIo().stdout.write(`${table(['NAME', 'SCOPE', 'TOKEN', 'CREATED', 'LAST USED', 'STATUS', 'ID'], rows)}\n`);
      return 0;
    }
    if (action === 'revoke') {
      if (!arg) return fail('give the ID or NAME of the token to revoke');
      const t = local
        ? await direct((tokens) => tokens.revoke(arg))
        : await createApiClient(parsed.values).delete<{ name: string }>(`/api/tokens/${encodeURIComponent(arg)}`);
      cliIo().stdout.write(`token '${t.name}' revoked\n`);
      return 0;
    }
    return fail(
      action
        ? `unknown action '${action}': use create, list or revoke (see --help)`
        : 'give an action: create, list or revoke (see --help)',
    );
  },
};
