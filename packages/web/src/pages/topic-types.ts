/** Topics and subscriptions as the API shows them (secrets redacted), and the subscription form's body. */
import { type Protocol, protocols } from '@tocsin/protocol';

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

export type SubscriptionFormValues = {
  protocol: string;
  name: string;
  endpoint: string;
  channel: string;
  secret: string;
  routingKey: string;
  apiKey: string;
};

export const emptySubscription: SubscriptionFormValues = {
  protocol: 'email',
  name: '',
  endpoint: '',
  channel: '',
  secret: '',
  routingKey: '',
  apiKey: '',
};

/** The fields each protocol shows in the form (beside name). */
export const protocolFields: Record<Protocol, (keyof SubscriptionFormValues)[]> = {
  email: ['endpoint'],
  slack: ['endpoint', 'channel'],
  webhook: ['endpoint', 'secret'],
  pagerduty: ['routingKey'],
  datadog: ['apiKey'],
  datadog_logs: ['apiKey', 'endpoint'],
  loki: ['endpoint'],
};

export function subscriptionBody(v: SubscriptionFormValues): Record<string, unknown> {
  const protocol = v.protocol as Protocol;
  const body: Record<string, unknown> = { protocol };
  if (v.name.trim()) body.name = v.name.trim();
  for (const f of protocolFields[protocol] ?? []) if (String(v[f]).trim()) body[f] = String(v[f]).trim();
  return body;
}
