/**
 * One syslog message (a TCP frame or a UDP datagram) as a log event.
 * `<PRI>1 ` starts an RFC 5424 message (another VERSION is refused);
 * anything else is read as RFC 3164, where every packet is valid.
 *
 * Mapping (field by field in docs/logs-aws-syslog.md): time = TIMESTAMP
 * (the received time when NILVALUE or missing), stream = HOSTNAME (else
 * the sender's address), source = APP-NAME (RFC 3164: the TAG), level =
 * the severity, message = MSG (BOM removed); facility, severity, PROCID,
 * MSGID and STRUCTURED-DATA in attributes; host.name in the resource.
 */
import type { LogEventShape } from '../aws/log-event-shape.js';
import { parseRfc3164 } from './rfc3164-parser.js';
import { type ParseOutcome, parseRfc5424 } from './rfc5424-parser.js';
import { facilityNames, severityLevels } from './syslog-priority.js';

export interface SyslogEventOptions {
  /** When the message was received (epoch ms). */
  observedTime: number;
  /** The sender's address, for messages without a HOSTNAME. */
  peer?: string;
  /** IANA zone of RFC 3164 timestamps, which carry no offset (default UTC). */
  timeZone?: string;
  /** The log group the listener puts its messages in. */
  group?: string;
}

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const lenient = new TextDecoder('utf-8', { ignoreBOM: true });
const rfc5424Start = /^<\d{1,3}>[1-9]\d{0,2} /;

/** Decodes one message; refuses an empty one and malformed RFC 5424, naming the problem. */
export function syslogEvent(frame: Uint8Array | string, options: SyslogEventOptions): ParseOutcome<LogEventShape> {
  let text: string;
  let validUtf8 = true;
  if (typeof frame === 'string') {
    text = frame;
  } else {
    try {
      text = strict.decode(frame);
    } catch {
      text = lenient.decode(frame);
      validUtf8 = false;
    }
  }
  text = text.replace(/[\r\n\0]+$/, '');
  if (text.trim() === '') return { ok: false, reason: 'the message is empty' };
  if (rfc5424Start.test(text)) {
    const parsed = parseRfc5424(text, validUtf8);
    if (!parsed.ok) return parsed;
    const m = parsed.value;
    const attributes: Record<string, unknown> = common(m.facility, m.severity, 'rfc5424', options.peer);
    attributes['syslog.version'] = m.version;
    if (m.procId !== undefined) attributes['syslog.procid'] = m.procId;
    if (m.msgId !== undefined) attributes['syslog.msgid'] = m.msgId;
    if (m.structuredData !== undefined) attributes['syslog.structured_data'] = m.structuredData;
    return { ok: true, value: eventOf(m, attributes, options) };
  }
  const m = parseRfc3164(text, { now: options.observedTime, timeZone: options.timeZone });
  const attributes: Record<string, unknown> = common(m.facility, m.severity, 'rfc3164', options.peer);
  if (!m.priPresent) attributes['syslog.pri_missing'] = true;
  if (m.procId !== undefined) attributes['syslog.procid'] = m.procId;
  return { ok: true, value: eventOf(m, attributes, options) };
}

function common(facility: number, severity: number, format: string, peer: string | undefined) {
  const attributes: Record<string, unknown> = {
    'syslog.facility': facilityNames[facility],
    'syslog.facility_code': facility,
    'syslog.severity': severity,
    'syslog.format': format,
  };
  if (peer !== undefined) attributes['syslog.peer'] = peer;
  return attributes;
}

interface Parsed {
  severity: number;
  timestamp?: number;
  hostname?: string;
  appName?: string;
  message: string;
}

function eventOf(m: Parsed, attributes: Record<string, unknown>, options: SyslogEventOptions): LogEventShape {
  const host = m.hostname ?? options.peer;
  const event: LogEventShape = {
    time: m.timestamp ?? options.observedTime,
    observedTime: options.observedTime,
    level: severityLevels[m.severity],
    message: m.message,
    attributes,
    resource: host === undefined ? {} : { 'host.name': host },
  };
  if (options.group !== undefined) event.group = options.group;
  if (host !== undefined) event.stream = host;
  if (m.appName !== undefined) event.source = m.appName;
  return event;
}
