/**
 * The one mapping of the AWS and syslog decoders' `LogEventShape` onto the protocol's `LogEvent` (docs/logs.md,
 * "CloudWatch Logs and Firehose", "Syslog"): every field as it is, the group the shape's (the CloudWatch log group,
 * the syslog group) else `fallbackGroup`, the level pair split into `level` and `levelText` (0 and '' when the
 * source gave none), and a stage from the resource's `deployment.environment` when there is one.
 */
import { type LogEvent, severityName } from '@tocsin/protocol';
import type { LogEventShape } from '../aws/log-event-shape.js';

export function eventOfShape(s: LogEventShape, fallbackGroup: string): LogEvent {
  const level = s.level?.number ?? 0;
  const event: LogEvent = {
    time: s.time,
    observedTime: s.observedTime,
    group: s.group ?? fallbackGroup,
    level,
    levelText: s.level?.text.slice(0, 32) ?? severityName(level),
    message: s.message,
    attributes: s.attributes,
    resource: s.resource,
  };
  if (s.stream) event.stream = s.stream.slice(0, 512);
  if (s.source) event.source = s.source.slice(0, 256);
  const stage = s.resource['deployment.environment'];
  if (typeof stage === 'string' && stage !== '') event.stage = stage.slice(0, 64);
  return event;
}
