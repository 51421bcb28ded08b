/**
 * PRI = facility × 8 + severity (RFC 5424 §6.2.1, RFC 3164 §4.1.1), the
 * facility's keyword, and the severity as a level: OTLP's SeverityNumber by
 * the OpenTelemetry log data model's syslog column (the protocol's
 * `severityOf` of the name), text the RFC 5424 Table 2 name in lower case.
 */
import { severityOf } from '@tocsin/protocol';
import type { LogLevelShape } from '../aws/log-event-shape.js';

/** RFC 5424 Table 1, by the keywords syslog daemons use (12–15 named for their description). */
export const facilityNames = [
  'kern',
  'user',
  'mail',
  'daemon',
  'auth',
  'syslog',
  'lpr',
  'news',
  'uucp',
  'cron',
  'authpriv',
  'ftp',
  'ntp',
  'audit',
  'alert',
  'clock',
  'local0',
  'local1',
  'local2',
  'local3',
  'local4',
  'local5',
  'local6',
  'local7',
] as const;

/** Index = severity code (0 Emergency … 7 Debug). */
export const severityLevels: readonly LogLevelShape[] = [
  'emergency',
  'alert',
  'critical',
  'error',
  'warning',
  'notice',
  'informational',
  'debug',
].map((text) => ({ number: severityOf(text), text }));

export const MAX_PRIVAL = 191;

/** What a relay assumes when the PRI is missing or unreadable: user.notice (RFC 3164 §4.3.3). */
export const DEFAULT_PRIVAL = 13;

export interface Priority {
  facility: number;
  severity: number;
}

export const priorityOf = (prival: number): Priority => ({ facility: prival >> 3, severity: prival & 7 });

/**
 * The PRIVAL of a `<digits>` text: 1–3 digits, 0–191, no leading zero
 * (RFC 5424 §6.2.1); undefined otherwise.
 */
export function privalOf(digits: string): number | undefined {
  if (!/^(0|[1-9]\d{0,2})$/.test(digits)) return undefined;
  const value = Number(digits);
  return value <= MAX_PRIVAL ? value : undefined;
}
