import { createApiClient, table } from './api-client.js';
import { nounCommand, printJson, type Action } from './command.js';
import { cliIo } from './cli-io.js';

type Status = Record<string, unknown>;

/** The parts people read first, in this order; any other part follows, by name. */
const ORDER = ['ingest', 'listeners', 'storage', 'rules', 'outputs', 'watchdog'];
const WATCHDOG_KINDS = ['dead_letter', 'ingest_refused', 'rule_error', 'dropped'];

const isRecord = (v: unknown): v is Status => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A value on one line: numbers and text as they are, a flat object of counts as `a=1, b=2`, anything else as JSON. */
export function cell(v: unknown): string {
  if (v === null || v === undefined) return '-';
  if (typeof v !== 'object') return String(v);
  if (isRecord(v) && Object.values(v).every((x) => typeof x !== 'object' || x === null)) {
    const entries = Object.entries(v);
    return entries.length ? entries.map(([k, x]) => `${k}=${x}`).join(', ') : '-';
  }
  return JSON.stringify(v);
}

/** A part's status as rows of key and value; nested objects of objects are walked, their keys joined by dots. */
export function rowsOf(status: Status, prefix = '', depth = 0): string[][] {
  const rows: string[][] = [];
  for (const [k, v] of Object.entries(status)) {
    const key = prefix ? `${prefix}.${k}` : k;
    const nested = isRecord(v) && Object.values(v).some(isRecord);
    if (nested && depth < 2) rows.push(...rowsOf(v, key, depth + 1));
    else rows.push([key, cell(v)]);
  }
  return rows;
}

function timeText(at: unknown): string {
  return typeof at === 'number' ? new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z') : '-';
}

/** The watchdog part as one row per kind: counts pending, events raised, the last one. */
function watchdogTable(w: Status): string {
  const pending = isRecord(w.pending) ? w.pending : {};
  const raised = isRecord(w.raised) ? w.raised : {};
  const last = isRecord(w.last) ? w.last : {};
  const rows = WATCHDOG_KINDS.map((k) => {
    const l = isRecord(last[k]) ? last[k] : undefined;
    return [
      `pipeline.${k}`,
      String(pending[k] ?? 0),
      String(raised[k] ?? 0),
      l ? timeText(l.at) : '-',
      l ? `${cell(l.count)}${l.published === false ? ' (no topic)' : ''}` : '-',
    ];
  });
  const head = `topic ${cell(w.topic)}, window ${typeof w.windowMs === 'number' ? `${w.windowMs / 1000}s` : '-'}`;
  const extra = ['ownDeadLetters', 'unpublished', 'publishFailures']
    .filter((k) => typeof w[k] === 'number' && (w[k] as number) > 0)
    .map((k) => `${k} ${w[k]}`);
  const header = ['KIND', 'PENDING', 'RAISED', 'LAST', 'LAST COUNT'];
  return `${head}${extra.length ? `; ${extra.join(', ')}` : ''}\n${table(header, rows)}`;
}

/** The whole status as sections, one per part. */
export function formatPipelineStatus(parts: Record<string, Status>): string {
  const names = [
    ...ORDER.filter((n) => n in parts),
    ...Object.keys(parts)
      .filter((n) => !ORDER.includes(n))
      .sort(),
  ];
  if (names.length === 0) return 'no pipeline parts (is the log pipeline enabled?)';
  return names
    .map((name) => {
      const status = parts[name];
      const body =
        name === 'watchdog' ? watchdogTable(status) : table(['KEY', 'VALUE'], isRecord(status) ? rowsOf(status) : []);
      return `${name.toUpperCase()}\n${body}`;
    })
    .join('\n\n');
}

const status: Action = {
  synopsis: '[--json]',
  options: { json: { type: 'boolean' } },
  help: `The log pipeline's health, part by part: lines ingested by format, dropped by
reason, rule matches and routes, stage failures, the write queue, and the
watchdog's events by kind (GET /api/logs/pipeline).`,
  async run(v) {
    const answer = await createApiClient(v).get<{ parts: Record<string, Status> }>('/api/logs/pipeline');
    if (printJson(v, answer)) return 0;
    cliIo().stdout.write(`${formatPipelineStatus(answer.parts)}\n`);
    return 0;
  },
};

export const pipelineCommand = nounCommand(
  'pipeline',
  "show the log pipeline's health: ingest, drops, rules, queue, watchdog",
  { status },
  'status',
);
