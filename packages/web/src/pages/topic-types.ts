/** Topics and subscriptions as the API shows them (secrets redacted), and the subscription form's body. */
import { type ChannelField, type Protocol, channelDefinitions, protocols } from '@tocsin/protocol';

export { protocols };

export interface SubscriptionView {
  id: string;
  /** pending (e-mail, until confirmed), confirmed, … */
  status: string;
  name: string;
  protocol: Protocol;
  endpoint?: string;
  [field: string]: unknown;
}

export interface TopicView {
  name: string;
  displayName: string | null;
  tags: Record<string, string>;
  subscriptions: SubscriptionView[];
  createdAt: string;
  updatedAt: string;
}

/** The subscription form's inputs: the kind, the name, and every field of every channel (as text or a box). */
export type SubscriptionFormValues = Record<string, string | boolean>;

const fieldInitial = (f: ChannelField): string | boolean =>
  f.kind === 'checkbox' ? false : f.kind === 'select' ? (f.options?.[0] ?? '') : '';

export const emptySubscription: SubscriptionFormValues = {
  protocol: 'email',
  name: '',
  ...Object.fromEntries(channelDefinitions.flatMap((d) => d.fields.map((f) => [f.name, fieldInitial(f)]))),
};

/** The kinds the form offers, with the vendors' names. */
export const protocolOptions = channelDefinitions.map((d) => ({ value: d.protocol, label: d.label }));

/** The fields each protocol shows in the form (beside name). */
export function protocolFields(protocol: string): readonly ChannelField[] {
  return channelDefinitions.find((d) => d.protocol === protocol)?.fields ?? [];
}

/** `Name: value` lines as an object; lines without a colon are left out. */
export function parsePairs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf(':');
    if (line.trim() && i > 0) out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return out;
}

/** One field's input as the API takes it; undefined leaves it out (so the schema's default applies). */
function fieldValue(f: ChannelField, raw: string | boolean | undefined): unknown {
  if (f.kind === 'checkbox') return raw === true ? true : undefined;
  const text = String(raw ?? '').trim();
  if (!text) return undefined;
  if (f.kind === 'number') return Number.isFinite(Number(text)) ? Number(text) : text;
  if (f.kind === 'pairs') return parsePairs(text);
  if (f.kind === 'list')
    return text
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
  return text;
}

export function subscriptionBody(v: SubscriptionFormValues): Record<string, unknown> {
  const body: Record<string, unknown> = { protocol: v.protocol };
  if (String(v.name).trim()) body.name = String(v.name).trim();
  for (const f of protocolFields(String(v.protocol))) {
    const value = fieldValue(f, v[f.name]);
    if (value !== undefined) body[f.name] = value;
  }
  return body;
}
