import { existsSync } from 'node:fs';
import path from 'node:path';
import { createTocsin, type Tocsin } from '../app.js';
import { createLogger, type Logger } from '../core/logger.js';
import { TocsinError } from '../core/errors.js';
import { allSettingSpecs, loadSettings, nodeIdOf, settingSpecs, type Settings } from '../config/settings.js';
import { startHttpServer } from '../http/http-server.js';
import { formatIssues, loadConfigFile, type LoadResult } from '../config/config-loader.js';
import { describeConnectError, redactDatabaseUrl } from '../db/database.js';
import { acquireNodeLock, type NodeLock } from '../db/node-lock.js';
import { parseFlags, type Command } from './command.js';
import { cliIo } from './cli-io.js';

const flagOptions = Object.fromEntries(allSettingSpecs.map((s) => [s.flag, { type: 'string' as const }]));

const usage = `usage: tocsin start [options]

Starts the server. Every option can also be set in the environment.

${allSettingSpecs.map((s) => `  --${s.flag.padEnd(20)} ${s.env.padEnd(27)} ${s.help}`).join('\n')}`;

function describeChange(c: { action: string; resource: string; name: string }): string {
  return `${c.action} ${c.resource} ${c.name}`;
}

/** The setting that chose the database, as errors name it. */
function databaseSetting(settings: Settings): string {
  const spec =
    settings.databaseUrl === `sqlite:${path.join(settings.dataDir, 'tocsin.db')}`
      ? settingSpecs.dataDir
      : settingSpecs.databaseUrl;
  return `${spec.env} (--${spec.flag})`;
}

/** Start-up failures of the database as one line naming the setting; anything else is rethrown. */
function startupError(settings: Settings, err: unknown): TocsinError {
  if (err instanceof TocsinError) return err;
  const e = err as { code?: string; message?: string };
  const setting = databaseSetting(settings);
  if (settings.databaseUrl.startsWith('sqlite:')) {
    if (e.code?.startsWith('SQLITE_'))
      return new TocsinError('unavailable', `${setting}: ${settings.databaseUrl.slice(7)}: ${e.message} (${e.code})`);
  } else if (e.code && /^(E[A-Z]+|08...|28...|3D000|3F000|42501|53...|57P0.)$/.test(e.code)) {
    return new TocsinError(
      'unavailable',
      `${setting}: ${redactDatabaseUrl(settings.databaseUrl)}: ${describeConnectError(err)}`,
    );
  }
  throw err;
}

/** A config file's problems, already formatted as `file:line: path: message` lines: printed as they are. */
class ConfigFileError extends TocsinError {
  constructor(text: string) {
    super('validation_failed', text);
  }
}

function loadConfig(settings: Settings): LoadResult | undefined {
  if (!settings.configFile) return undefined;
  return loadConfigFile(settings.configFile, cliIo().env);
}

async function applyConfig(tocsin: Tocsin, settings: Settings, loaded: LoadResult, logger: Logger): Promise<void> {
  if (!loaded.ok) return;
  try {
    const result = await tocsin.config.apply({ config: loaded.config, refs: loaded.refs });
    logger.info('applied config file', { file: settings.configFile, changes: result.changes.map(describeChange) });
  } catch (err) {
    if (!(err instanceof TocsinError)) throw err;
    const issues = (err.details as { issues?: { path: string; message: string }[] } | undefined)?.issues;
    const text = issues
      ? formatIssues(
          issues.map((i) => ({
            file: settings.configFile!,
            line: loaded.locate(i.path),
            path: i.path,
            message: i.message,
          })),
        )
      : `tocsin: ${settings.configFile}: ${err.message}`;
    throw new ConfigFileError(text);
  }
}

async function serve(settings: Settings, loaded: LoadResult | undefined, logger: Logger): Promise<number> {
  const nodeId = nodeIdOf(settings);
  let lost: ((err: Error) => void) | undefined;
  const lockLost = new Promise<Error>((resolve) => (lost = resolve));
  const lock: NodeLock = await acquireNodeLock(settings.databaseUrl, {
    setting: databaseSetting(settings),
    nodeId,
    onLost: (err) => lost?.(err),
  });
  let tocsin: Tocsin | undefined;
  try {
    tocsin = await createTocsin(settings, { logger }).catch((err: unknown) => {
      throw startupError(settings, err);
    });
    if (loaded) await applyConfig(tocsin, settings, loaded, logger);
    // With --port 0 the links in messages and ping URLs take the port actually chosen (publicUrl).
    const server = await startHttpServer({
      host: settings.host,
      port: settings.port,
      fetch: tocsin.http.fetch,
      fastPath: tocsin.fastPath,
      upgrades: tocsin.upgrades,
      statics: tocsin.statics,
      publicUrl: tocsin.publicUrl,
    });
    const port = server.port;
    // Only now that the server listens: a start that fails earlier must not make a token nobody sees.
    const firstToken = await tocsin.tokens.bootstrap();
    // While no user exists: the code that /setup asks for, shown with the address to open (and logged).
    const setupCode = await tocsin.users.setup.prepare();
    tocsin.start();
    // Listening for signals before saying so: a SIGTERM right after the line below must stop gracefully.
    const signal = new Promise<undefined>((resolve) => {
      process.once('SIGINT', () => resolve(undefined));
      process.once('SIGTERM', () => resolve(undefined));
    });
    const db = settings.databaseUrl.startsWith('sqlite:') ? settings.databaseUrl.slice(7) : 'PostgreSQL';
    // One write, so that whoever reads the first line has the token too.
    const tokenText = firstToken
      ? `\nThis is the first start: the admin API token is\n\n    ${firstToken}\n\n` +
        'It is shown only now; keep it (for example as TOCSIN_TOKEN).\n' +
        'A new one can be made on this host with: tocsin tokens create NAME --scope admin --local\n\n'
      : '';
    const codeFile = path.join(settings.dataDir, 'setup-code');
    const setupText = setupCode
      ? `To create the first admin, open ${tocsin.publicUrl.get()}/setup in a browser and enter the setup code\n\n` +
        `    ${setupCode}\n\n${existsSync(codeFile) ? `It is also in ${codeFile}; it` : 'It'} works until ` +
        'the first user exists.\n\n'
      : '';
    cliIo().stdout.write(
      `Tocsin is running at http://${settings.host}:${port} (database: ${db})\n${tokenText}${setupText}`,
    );
    const lostErr = await Promise.race([signal, lockLost]);
    if (lostErr) logger.error('lost the node lock; stopping so that a restart takes it again', { err: lostErr });
    else logger.info('shutting down');
    // Open event streams end first: the server's drain waits for in-flight responses, and a stream never ends.
    tocsin.live.close();
    for (const m of tocsin.modules) m.endStreams?.();
    await server.close();
    return lostErr ? 1 : 0;
  } finally {
    await tocsin?.close();
    await lock.release();
  }
}

export const startCommand: Command = {
  summary: 'run the server',
  async run(argv) {
    const parsed = parseFlags(argv, flagOptions, usage);
    if (!parsed) return 0;
    let settings: Settings;
    try {
      settings = loadSettings(parsed.values as Record<string, string | undefined>, cliIo().env, cliIo().cwd);
    } catch (err) {
      if (err instanceof TocsinError) {
        cliIo().stderr.write(`tocsin: ${err.message}\n`);
        return 1;
      }
      throw err;
    }
    const loaded = loadConfig(settings);
    if (loaded && !loaded.ok) {
      cliIo().stderr.write(`${formatIssues(loaded.issues)}\n`);
      return 1;
    }
    try {
      return await serve(settings, loaded, createLogger(settings.logLevel));
    } catch (err) {
      if (!(err instanceof TocsinError)) throw err;
      cliIo().stderr.write(err instanceof ConfigFileError ? `${err.message}\n` : `tocsin: ${err.message}\n`);
      return 1;
    }
  },
};
