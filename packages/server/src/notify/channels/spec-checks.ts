/** Checks of a subscription beyond its schema that need the server's code (templates parsed by liquidjs). */
import type { FieldIssue, Protocol, SubscriptionSpec } from '@tocsin/protocol';
import { httpTemplateIssues, type HttpTemplateSpec } from './http-template-channel.js';

const checks: Partial<Record<Protocol, (spec: never) => FieldIssue[]>> = {
  http_template: (spec: HttpTemplateSpec) => httpTemplateIssues(spec),
};

/** A subscription's issues, each path prefixed with `prefix` (`subscriptions.0.`). */
export function channelSpecIssues(spec: SubscriptionSpec, prefix = ''): FieldIssue[] {
  const check = checks[spec.protocol] as ((s: SubscriptionSpec) => FieldIssue[]) | undefined;
  return (check?.(spec) ?? []).map((i) => ({ ...i, path: `${prefix}${i.path}` }));
}
