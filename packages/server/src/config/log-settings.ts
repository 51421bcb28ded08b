/**
 * The log pipeline's settings (read by settings.ts, the one module that reads the environment): the write queue's
 * maximum, ingest body caps, the per-token rate, and the syslog listeners.
 */
import { bad, type SettingSpec } from './setting-spec.js';

export const logsQueueBytesSpec: SettingSpec = {
  env: 'TOCSIN_LOGS_QUEUE_BYTES',
  flag: 'logs-queue-bytes',
  help: 'log bytes waiting to be stored before ingest answers 503, such as 64MiB (64MiB)',
};

const BYTE_UNITS: Record<string, number> = {
  '': 1,
  k: 1e3,
  kb: 1e3,
  kib: 1024,
  m: 1e6,
  mb: 1e6,
  mib: 1024 ** 2,
  g: 1e9,
  gb: 1e9,
  gib: 1024 ** 3,
};

/** A byte size: a number with an optional unit (KiB, MiB, GiB; k, M, G are powers of 1000), within [min, max]. */
function byteSize(spec: SettingSpec, text: string, min: number, max: number): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)b?$/i.exec(text.trim());
  const unit = m ? BYTE_UNITS[m[2]!.toLowerCase()] : undefined;
  const bytes = m && unit !== undefined ? Math.round(Number(m[1]) * unit) : Number.NaN;
  if (!(bytes >= min && bytes <= max))
    throw bad(spec, `'${text}' is not a size from ${sizeText(min)} to ${sizeText(max)} (such as 8MiB or 8388608)`);
  return bytes;
}

const sizeText = (n: number) =>
  n >= 1024 ** 3 ? `${n / 1024 ** 3}GiB` : n >= 1024 ** 2 ? `${n / 1024 ** 2}MiB` : `${n / 1024}KiB`;

/** The write queue's maximum (TOCSIN_LOGS_QUEUE_BYTES): 64 MiB by default, from 1 MiB to 16 GiB. */
export function logsQueueBytesOf(text: string | undefined): number {
  return text === undefined ? 64 * 1024 ** 2 : byteSize(logsQueueBytesSpec, text, 1024 ** 2, 16 * 1024 ** 3);
}

export interface LogIngestSettings {
  /** Bytes a log ingest body may carry as sent (compressed). */
  maxBodyBytes: number;
  /** Bytes a compressed body may inflate to. */
  maxInflatedBytes: number;
  /** Lines a second per API token (0: no limit), and the burst over it. */
  rateLimit: { perSecond: number; burst: number };
  /** 0: off. */
  syslogTcpPort: number;
  syslogUdpPort: number;
  syslogHost: string;
  syslogGroup: string;
}

export const logIngestDefaults: LogIngestSettings = {
  maxBodyBytes: 8 * 1024 * 1024,
  maxInflatedBytes: 64 * 1024 * 1024,
  rateLimit: { perSecond: 0, burst: 0 },
  syslogTcpPort: 0,
  syslogUdpPort: 0,
  syslogHost: '127.0.0.1',
  syslogGroup: 'syslog',
};

export const logIngestSpecs: Record<keyof LogIngestSettings, SettingSpec> = {
  maxBodyBytes: { env: 'TOCSIN_LOGS_MAX_BODY_BYTES', flag: 'logs-max-body-bytes', help: 'log ingest body cap (8MiB)' },
  maxInflatedBytes: {
    env: 'TOCSIN_LOGS_MAX_INFLATED_BYTES',
    flag: 'logs-max-inflated-bytes',
    help: 'what a gzip log body may inflate to (64MiB)',
  },
  rateLimit: {
    env: 'TOCSIN_LOGS_RATE_LIMIT',
    flag: 'logs-rate-limit',
    help: 'log lines a second per token, optionally /burst (0: off; 5000/20000)',
  },
  syslogTcpPort: { env: 'TOCSIN_SYSLOG_TCP_PORT', flag: 'syslog-tcp-port', help: 'syslog over TCP (0: off)' },
  syslogUdpPort: { env: 'TOCSIN_SYSLOG_UDP_PORT', flag: 'syslog-udp-port', help: 'syslog over UDP (0: off)' },
  syslogHost: { env: 'TOCSIN_SYSLOG_HOST', flag: 'syslog-host', help: 'address of the syslog listeners (127.0.0.1)' },
  syslogGroup: { env: 'TOCSIN_SYSLOG_GROUP', flag: 'syslog-group', help: 'log group of syslog lines (syslog)' },
};

function portOf(spec: SettingSpec, text: string | undefined): number {
  if (text === undefined) return 0;
  if (!/^\d+$/.test(text) || Number(text) > 65535) throw bad(spec, `'${text}' is not a port number (0-65535)`);
  return Number(text);
}

export function logIngestOf(get: (spec: SettingSpec) => string | undefined): LogIngestSettings {
  const s = logIngestSpecs;
  const d = logIngestDefaults;
  const rate = get(s.rateLimit) ?? '0';
  const m = /^(\d+)(?:\/(\d+))?$/.exec(rate);
  if (!m) throw bad(s.rateLimit, `'${rate}' is not lines a second, optionally /burst (such as 5000/20000)`);
  const perSecond = Number(m[1]);
  const group = get(s.syslogGroup) ?? d.syslogGroup;
  if (!/^[A-Za-z0-9_.\-/#]{1,512}$/.test(group)) throw bad(s.syslogGroup, `'${group}' is not a log group name`);
  return {
    maxBodyBytes: get(s.maxBodyBytes)
      ? byteSize(s.maxBodyBytes, get(s.maxBodyBytes)!, 1024, 1024 ** 3)
      : d.maxBodyBytes,
    maxInflatedBytes: get(s.maxInflatedBytes)
      ? byteSize(s.maxInflatedBytes, get(s.maxInflatedBytes)!, 1024, 16 * 1024 ** 3)
      : d.maxInflatedBytes,
    rateLimit: { perSecond, burst: m[2] ? Number(m[2]) : perSecond && Math.max(perSecond, 1000) },
    syslogTcpPort: portOf(s.syslogTcpPort, get(s.syslogTcpPort)),
    syslogUdpPort: portOf(s.syslogUdpPort, get(s.syslogUdpPort)),
    syslogHost: get(s.syslogHost) ?? d.syslogHost,
    syslogGroup: group,
  };
}
