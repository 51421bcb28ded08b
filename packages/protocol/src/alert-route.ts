/**
 * Prometheus alerts in: the body of `POST /api/v2/alerts` (Alertmanager's API v2 `postableAlerts`) and the
 * `alert_routes:` config section that routes those alerts to topics by label matchers.
 */
import { z } from 'zod';
import { durationSchema } from './duration.js';
import { nameSchema } from './names.js';

/** One label matcher in Alertmanager's syntax: `name="value"`, `name!=value`, `name=~"re"`, `name!~"re"`. */
export interface LabelMatcher {
  name: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

const MATCHER = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/s;

/** The value of a matcher: a double-quoted string (with `\"`, `\\`, `\n` escapes) or the bare rest of the text. */
function unquote(text: string): string | undefined {
  if (!text.startsWith('"')) return text.includes('"') ? undefined : text;
  if (text.length < 2 || !text.endsWith('"')) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Parses one matcher, or says what is wrong with it. Regular expressions are anchored, as Alertmanager's are. */
export function parseMatcher(text: string): LabelMatcher | { error: string } {
  const m = MATCHER.exec(text);
  if (!m) return { error: `'${text}' is not a matcher: write label=value, label!=value, label=~"re" or label!~"re"` };
  const value = unquote(m[3]);
  if (value === undefined) return { error: `'${text}': the value is not a well-quoted string (such as "page")` };
  const op = m[2] as LabelMatcher['op'];
  if (op === '=~' || op === '!~') {
    try {
      new RegExp(`^(?:${value})$`);
    } catch (err) {
      return { error: `'${text}': the regular expression does not compile (${(err as Error).message})` };
    }
  }
  return { name: m[1], op, value };
}

const matcherSchema = z
  .string()
  .min(1)
  .max(1024)
  .superRefine((text, ctx) => {
    const parsed = parseMatcher(text);
    if ('error' in parsed) ctx.addIssue({ code: 'custom', message: parsed.error });
  });

const labelNameSchema = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'a label name: letters, digits and _');

/**
 * One route of `alert_routes:`. Routes are tried by ascending `order` (then name); the first whose matchers all
 * match takes the alert, unless it says `continue: true`, when the next matching routes take it too.
 */
export const alertRouteInputSchema = z
  .object({
    name: nameSchema,
    order: z.number().int().min(-1_000_000).max(1_000_000).default(0),
    /** Every matcher must match; none matches every alert. */
    matchers: z.array(matcherSchema).max(50).default([]),
    topics: z.array(nameSchema).min(1, 'name at least one topic to publish to').max(20),
    /** The labels whose values make a group (Alertmanager's group_by); none: every alert of the route is one group. */
    groupBy: z.array(labelNameSchema).max(50).default([]),
    /** How long a new group waits for more alerts before its first notification (group_wait). */
    groupWait: durationSchema(0, 3_600_000, 'wait').default(30_000),
    /** How long a group that notified waits before it notifies of alerts newly added to it (group_interval). */
    groupInterval: durationSchema(1000, 86_400_000, 'interval').default(300_000),
    /** How long before a firing alert that was notified is notified again (repeat_interval). */
    repeatInterval: durationSchema(60_000, 30 * 86_400_000, 'interval').default(4 * 3_600_000),
    continue: z.boolean().default(false),
    description: z.string().max(1024).optional(),
  })
  .strict();
export type AlertRouteSpec = z.infer<typeof alertRouteInputSchema>;

/** An RFC 3339 time, as Prometheus writes it (`2026-12-04T01:02:03.456Z`), to epoch milliseconds. */
const timeSchema = z
  .string()
  .max(64)
  .refine((t) => /^\d{4}-\d\d-\d\dT/.test(t) && Number.isFinite(Date.parse(t)), 'an RFC 3339 date-time')
  .transform((t) => Date.parse(t));

const labelSetSchema = z.record(labelNameSchema, z.string().max(16_384));

/** One `postableAlert` of Alertmanager's API v2. */
export const postableAlertSchema = z.object({
  labels: labelSetSchema.refine((l) => Object.keys(l).length > 0, 'at least one label (such as alertname)'),
  annotations: z.record(z.string().max(256), z.string().max(65_536)).default({}),
  startsAt: timeSchema.optional(),
  endsAt: timeSchema.optional(),
  generatorURL: z.string().max(4096).optional(),
});
export type PostableAlert = z.infer<typeof postableAlertSchema>;

export const postableAlertsSchema = z.array(postableAlertSchema).max(10_000);
