import { clientFlags, createApiClient } from './api-client.js';
import { parseFlags, type Command } from './command.js';

const usage = `usage: tocsin publish TOPIC --title TITLE [--text TEXT] [--kind KIND] [--severity SEVERITY]
                      [--dedup-key KEY] [--attr key=value …] [--url URL] [--token TOKEN]

Publishes an event to a topic by hand (kind defaults to "test", severity to "info").`;

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
    const [topic] = parsed.positionals;
    if (!topic || !parsed.values.title) {
      process.stderr.write('tocsin publish: give a TOPIC and --title (see --help)\n');
      return 2;
    }
    const attributes: Record<string, string> = {};
    for (const a of (parsed.values.attr as unknown as string[] | undefined) ?? []) {
      const eq = a.indexOf('=');
      if (eq < 1) {
        process.stderr.write(`tocsin publish: --attr '${a}' is not key=value\n`);
        return 2;
      }
      attributes[a.slice(0, eq)] = a.slice(eq + 1);
    }
    const body: Record<string, unknown> = { kind: parsed.values.kind ?? 'test', title: parsed.values.title, attributes };
    if (parsed.values.text) body.text = parsed.values.text;
    if (parsed.values.severity) body.severity = parsed.values.severity;
    if (parsed.values['dedup-key']) body.dedupKey = parsed.values['dedup-key'];
    const res = await createApiClient(parsed.values).post<{ event: { id: string }; deliveries: number }>(`/api/topics/${encodeURIComponent(topic)}/publish`, body);
    process.stdout.write(`published event ${res.event.id} to ${topic}: ${res.deliveries} deliver${res.deliveries === 1 ? 'y' : 'ies'} queued\n`);
    return 0;
  },
};
