/**
 * `tocsin-agent`: reads its settings, runs the agent until SIGTERM or SIGINT, and exits with the agent's code
 * (78 when the server refuses it, or the settings are wrong, so that systemd does not restart it in a loop).
 */
import { Agent, EXIT_CONFIG } from './agent.js';
import { resolveSettings, SettingsError } from './agent-config.js';
import { createLog } from './agent-log.js';

const log = createLog(process.env.TOCSIN_AGENT_LOG_LEVEL === 'debug' ? 'debug' : 'info');

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    const { USAGE } = await import('./agent-config.js');
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let settings: ReturnType<typeof resolveSettings>;
  try {
    settings = resolveSettings(argv);
  } catch (err) {
    if (!(err instanceof SettingsError) && (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') !== true)
      throw err;
    process.stderr.write(`tocsin-agent: ${(err as Error).message}\n`);
    return EXIT_CONFIG;
  }
  const agent = new Agent({ ...settings, log });
  for (const signal of ['SIGTERM', 'SIGINT'] as const)
    process.once(signal, () => {
      log.info('stopping', { signal });
      agent.stop();
    });
  log.info('starting', { url: settings.url, stateDir: settings.stateDir, hostname: settings.hostname });
  return agent.run();
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    log.error('agent failed', { err });
    process.exit(1);
  },
);
