import { severities } from '@tocsin/protocol';
import { clientFlags, createApiClient } from './api-client.js';
import { parseFlags, type Command } from './command.js';
import { cliIo } from './cli-io.js';

const usage = `usage: tocsin publish TOPIC --title TITLE [--text TEXT] [--kind KIND] [--severity SEVERITY]
                      [--dedup-key KEY] [--attr key=value …] [--url URL] [--token TOKEN]

Publishes an event to a topic by hand (kind defaults to "test", severity to
"info": ${severities.join(', ')}). --attr may be given more than once.`;

function fail(message: string): number {
  cliIo().stderr.write(`tocsin publish: ${message}\n`);
  return 2;
}

export const publishCommand: Command = {
  summary: 'publish an event to a topic',
  async run(argv) {
    const parsed = parseFlags(
      argv,
      {
        title: { type: 'string' },
        text: { type: 'string' },
        kind: { type: 'string' },
        severity: { type: 'string' },
        'dedup-key': { type: 'string' },
        attr: { type: 'string', multiple: true },
        ...clientFlags,
      },
      usage,
      true,
    );
    if (!parsed) return 0;
    const v = parsed.values;
    const [topic, extra] = parsed.positionals;
    if (!topic) return fail('give the TOPIC to publish to (see --help)');
    if (extra !== undefined) return fail(`one TOPIC only; quote a title with spaces ('${extra}' is extra)`);
    if (!v.title) return fail('give the event a --title');
    if (v.severity !== undefined && !(severities as readonly string[]).includes(String(v.severity)))
      return fail(`--severity '${v.severity}' is not one of ${severities.join(', ')}`);
    const attributes: Record<string, string> = {};
    for (const a of (v.attr as unknown as string[] | undefined) ?? []) {
      const eq = a.indexOf('=');
      if (eq < 1) return fail(`--attr '${a}' is not key=value`);
      attributes[a.slice(0, eq)] = a.slice(eq + 1);
    }
    const body: Record<string, unknown> = { kind: v.kind ?? 'test', title: v.title, attributes };
    if (v.text) body.text = v.text;
    if (v.severity) body.severity = v.severity;
    if (v['dedup-key']) body.dedupKey = v['dedup-key'];
    const res = await createApiClient(v).post<{ event: { id: string }; deliveries: number }>(
      `/api/topics/${encodeURIComponent(topic)}/publish`,
      body,
    );
    const deliveries = `${res.deliveries} deliver${res.deliveries === 1 ? 'y' : 'ies'}`;
    cliIo().stdout.write(`published event ${res.event.id} to ${topic}: ${deliveries} queued\n`);
    return 0;
  },
};
