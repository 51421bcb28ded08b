import type { User } from '@tocsin/protocol';
import { ago, createApiClient, table } from './api-client.js';
import { nounCommand, printJson, UsageError, type Action, type FlagValues } from './command.js';
import { cliIo } from './cli-io.js';
import { promptPassword, readPasswordStdin } from './password-input.js';
import type { UserService } from '../users/user-service.js';

const roles = ['admin', 'editor', 'viewer'];

const localOptions = {
  local: { type: 'boolean' },
  'data-dir': { type: 'string' },
  'database-url': { type: 'string' },
} as const;

const localHelp = `With --local, the command works on the database directly instead of through
the server: on the server's host, with no token (the first admin:
tocsin users create ada --role admin --local). It finds the database as
tocsin start does: --data-dir DIR or --database-url URL, or TOCSIN_DATA_DIR /
TOCSIN_DATABASE_URL.`;

/** Runs `local` on the database with --local, otherwise `remote` through the API. */
async function either<T>(v: FlagValues, local: (users: UserService) => Promise<T>, remote: () => Promise<T>) {
  if (v.local !== true) {
    if (v['data-dir'] !== undefined || v['database-url'] !== undefined)
      throw new UsageError('--data-dir and --database-url go with --local');
    return remote();
  }
  // Loaded only here: the stand-alone CLI package has no database drivers.
  const { withLocalUsers } = await import('../users/user-local.js');
  return withLocalUsers(v as { 'data-dir'?: string; 'database-url'?: string }, local, cliIo());
}

const create: Action = {
  args: ['NAME'],
  synopsis: '--role admin|editor|viewer [--password-stdin] [--local]',
  options: { role: { type: 'string' }, 'password-stdin': { type: 'boolean' }, ...localOptions },
  help: `The password is read from standard input with --password-stdin, otherwise
asked twice at the terminal; it is never a flag. Roles: admin (everything),
editor (every write but tokens and users), viewer (reads).\n${localHelp}`,
  async run(v, [name]) {
    const role = v.role;
    if (role === undefined) throw new UsageError('users create: give --role admin, editor or viewer');
    if (!roles.includes(String(role))) throw new UsageError(`--role '${role}' is not one of ${roles.join(', ')}`);
    const password = v['password-stdin'] ? await readPasswordStdin() : await promptPassword();
    const user = await either(
      v,
      (users) => users.create(name, password, role as User['role']),
      () => createApiClient(v).post<User>('/api/users', { name, password, role }),
    );
    cliIo().stdout.write(`user '${user.name}' (${user.role}) created\n`);
    return 0;
  },
};

const list: Action = {
  synopsis: '[--json] [--local]',
  options: { json: { type: 'boolean' }, ...localOptions },
  help: localHelp,
  async run(v) {
    const users = await either(
      v,
      (service) => service.list(),
      async () => (await createApiClient(v).get<{ users: User[] }>('/api/users')).users,
    );
    if (printJson(v, users)) return 0;
    const rows = users.map((u) => [
      u.name,
      u.role,
      u.totp ? 'on' : 'off',
      ago(u.createdAt ?? null),
      ago(u.lastLoginAt ?? null),
    ]);
    cliIo().stdout.write(`${table(['NAME', 'ROLE', 'TOTP', 'CREATED', 'LAST LOGIN'], rows)}\n`);
    return 0;
  },
};

const remove: Action = {
  args: ['NAME'],
  synopsis: '[--local]',
  options: localOptions,
  help: `Deletes the user and ends their sessions; the last admin cannot be deleted.\n${localHelp}`,
  async run(v, [name]) {
    await either(
      v,
      (users) => users.delete(name),
      () => createApiClient(v).delete(`/api/users/${encodeURIComponent(name)}`),
    );
    cliIo().stdout.write(`user '${name}' deleted\n`);
    return 0;
  },
};

export const usersCommand = nounCommand(
  'users',
  'create, list and delete users of the web UI',
  { create, list, delete: remove },
  'list',
);
