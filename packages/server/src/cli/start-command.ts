import { createServer } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { createTocsin } from '../app.js';
import { createLogger } from '../core/logger.js';
import { TocsinError } from '../core/errors.js';
import { loadSettings, settingSpecs } from '../config/settings.js';
import { formatIssues, loadConfigFile } from '../config/config-loader.js';
import { parseFlags, type Command } from './command.js';

const flagOptions = Object.fromEntries(Object.values(settingSpecs).map((s) => [s.flag, { type: 'string' as const }]));

const usage = `usage: tocsin start [options]

Starts the server. Every option can also be set in the environment.

${Object.values(settingSpecs)
  .map((s) => `  --${s.flag.padEnd(14)} ${s.env.padEnd(20)} ${s.help}`)
  .join('\n')}`;

function describeChange(c: { action: string; resource: string; name: string }): string {
  return `${c.action} ${c.resource} ${c.name}`;
}

export const startCommand: Command = {
  summary: 'run the server',
  async run(argv) {
    const parsed = parseFlags(argv, flagOptions, usage);
    if (!parsed) return 0;
    let settings;
    try {
      settings = loadSettings(parsed.values as Record<string, string | undefined>);
    } catch (err) {
      if (err instanceof TocsinError) {
        process.stderr.write(`tocsin: ${err.message}\n`);
        return 1;
      }
      throw err;
    }
    const logger = createLogger(settings.logLevel);
    let loaded;
    if (settings.configFile) {
      loaded = loadConfigFile(settings.configFile, process.env);
      if (!loaded.ok) {
        process.stderr.write(formatIssues(loaded.issues) + '\n');
        return 1;
      }
    }
    const tocsin = await createTocsin(settings, { logger });
    if (loaded?.ok) {
      try {
        const result = await tocsin.config.apply({ config: loaded.config, refs: loaded.refs });
        logger.info('applied config file', { file: settings.configFile, changes: result.changes.map(describeChange) });
      } catch (err) {
        await tocsin.close();
        if (err instanceof TocsinError) {
          const issues = (err.details as { issues?: { path: string; message: string }[] } | undefined)?.issues;
          process.stderr.write(
            (issues ? formatIssues(issues.map((i) => ({ file: settings.configFile!, line: loaded.ok ? loaded.locate(i.path) : 0, path: i.path, message: i.message }))) : `tocsin: ${settings.configFile}: ${err.message}`) + '\n',
          );
          return 1;
        }
        throw err;
      }
    }
    const firstToken = await tocsin.tokens.bootstrap();
    tocsin.start();
    const hono = getRequestListener(tocsin.http.fetch);
    const server = createServer((req, res) => {
      if (!tocsin.fastPath(req, res)) void hono(req, res);
    });
    server.keepAliveTimeout = 65_000;
    server.listen(settings.port, settings.host);
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    }).catch(async (err: NodeJS.ErrnoException) => {
      await tocsin.close();
      throw new TocsinError('unavailable', `cannot listen on ${settings.host}:${settings.port}: ${err.code ?? err.message}`);
    });
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : settings.port;
    // With --port 0 the links in messages and ping URLs take the port actually chosen.
    if (settings.port === 0) settings.publicUrl = settings.publicUrl.replace(/:0$/, `:${port}`);
    const db = settings.databaseUrl.startsWith('sqlite:') ? settings.databaseUrl.slice(7) : 'PostgreSQL';
    process.stdout.write(`Tocsin is running at http://${settings.host}:${port} (database: ${db})\n`);
    if (firstToken) {
      process.stdout.write(`\nThis is the first start: the admin API token is\n\n    ${firstToken}\n\nIt is shown only now; keep it (for example as TOCSIN_TOKEN).\n\n`);
    }
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    logger.info('shutting down');
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    (server as { closeIdleConnections?: () => void }).closeIdleConnections?.();
    await closed;
    await tocsin.close();
    return 0;
  },
};
