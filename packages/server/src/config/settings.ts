import os from 'node:os';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { TocsinError } from '../core/errors.js';
import { parseDuration } from '../core/durations.js';
import {
  type LogIngestSettings,
  logIngestOf,
  logIngestSpecs,
  logsQueueBytesOf,
  logsQueueBytesSpec,
} from './log-settings.js';
import { bad, type SettingSpec } from './setting-spec.js';

export { type LogIngestSettings, logIngestDefaults } from './log-settings.js';
export type { SettingSpec } from './setting-spec.js';

/**
 * Server settings. This is the only module that reads the environment; every
 * setting is also a flag of `tocsin start` (flags win over the environment).
 */
export interface Settings {
  host: string;
  port: number;
  dataDir: string;
  /** `sqlite:/path/file.db` or `postgres://…`. */
  databaseUrl: string;
  configFile?: string;
  adminToken?: string;
  publicUrl: string;
  smtpUrl?: string;
  mailFrom: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Id of this node in a cluster; defaults to the host name (nodeIdOf). */
  nodeId?: string;
  /** How long each domain keeps its history, in ms. */
  retention: RetentionSettings;
  /** PostgreSQL only: membership and lease timings (ms). */
  cluster: ClusterSettings;
  /** Raw bytes of log events waiting to be stored above which ingest answers 503 (logs/log-writer.ts). */
  logsQueueBytes: number;
  /** Log ingest caps, rate and syslog listeners; the defaults of `logIngestDefaults` when absent. */
  logIngest?: LogIngestSettings;
  /** The topic the log pipeline's watchdog publishes `pipeline.*` events to. */
  watchdogTopic: string;
  /** The watchdog raises each kind at most once in this window (ms). */
  watchdogWindowMs: number;
  /** An online agent silent this long (ms) turns offline (fleet/agent-liveness.ts). */
  agentOfflineAfterMs: number;
}

export interface ClusterSettings {
  /** How long a partition lease lasts without renewal. */
  leaseTimeoutMs: number;
  /** How long a node may go unseen before it counts as dead. */
  nodeTimeoutMs: number;
  /** How often a node renews its membership and its leases. */
  renewIntervalMs: number;
}

/** What the hourly retention job keeps, per domain (milliseconds). */
export interface RetentionSettings {
  /** Raw check results (hourly rollups replace them). */
  results: number;
  /** Hourly rollups of check results, and per-minute rollups of datapoints. */
  rollups: number;
  pings: number;
  /** Raw datapoints (per-minute rollups replace them). */
  datapoints: number;
  /** Delivered deliveries and their events. */
  delivered: number;
  /** Dead deliveries (dead letters), kept longer for replay. */
  dead: number;
  /** Ended command runs with their invocations (the audit of who ran what where). */
  commands: number;
}

export const settingSpecs: Record<
  keyof Omit<Settings, 'nodeId' | 'retention' | 'cluster' | 'logsQueueBytes' | 'logIngest'>,
  SettingSpec
> & {
  nodeId: SettingSpec;
} = {
  host: { env: 'TOCSIN_HOST', flag: 'host', help: 'address to listen on (127.0.0.1)' },
  port: { env: 'TOCSIN_PORT', flag: 'port', help: 'port to listen on (8080)' },
  dataDir: { env: 'TOCSIN_DATA_DIR', flag: 'data-dir', help: 'where the SQLite file lives (./data)' },
  databaseUrl: {
    env: 'TOCSIN_DATABASE_URL',
    flag: 'database-url',
    help: 'postgres://… selects PostgreSQL (SQLite file in the data dir)',
  },
  configFile: { env: 'TOCSIN_CONFIG', flag: 'config', help: 'YAML file applied at start (./tocsin.yaml if present)' },
  adminToken: {
    env: 'TOCSIN_ADMIN_TOKEN',
    flag: 'admin-token',
    help: 'accept this admin token (otherwise one is made on first start)',
  },
  publicUrl: {
    env: 'TOCSIN_PUBLIC_URL',
    flag: 'public-url',
    help: 'base URL for links in messages (http://HOST:PORT)',
  },
  smtpUrl: { env: 'TOCSIN_SMTP_URL', flag: 'smtp-url', help: 'smtp://user:pass@host:port or smtps://… for e-mail' },
  mailFrom: { env: 'TOCSIN_MAIL_FROM', flag: 'mail-from', help: 'sender address of e-mail (tocsin@localhost)' },
  logLevel: { env: 'TOCSIN_LOG_LEVEL', flag: 'log-level', help: 'debug, info, warn or error (info)' },
  nodeId: { env: 'TOCSIN_NODE_ID', flag: 'node-id', help: 'name of this node in a cluster (the host name)' },
  watchdogTopic: {
    env: 'TOCSIN_WATCHDOG_TOPIC',
    flag: 'watchdog-topic',
    help: 'topic of the log pipeline watchdog (pipeline-watchdog)',
  },
  watchdogWindowMs: {
    env: 'TOCSIN_WATCHDOG_WINDOW',
    flag: 'watchdog-window',
    help: 'the watchdog raises each kind at most once a window (5m)',
  },
  agentOfflineAfterMs: {
    env: 'TOCSIN_AGENT_OFFLINE_AFTER',
    flag: 'agent-offline-after',
    help: 'an agent silent this long is offline (3m)',
  },
};

/** `min`: the shortest value accepted (the retention job runs hourly; raw datapoints are read for 14 days). */
type RetentionSpec = SettingSpec & { default: string; min: string };

function retentionSpec(key: string, default_: string, what: string, min = '1h'): RetentionSpec {
  return {
    env: `TOCSIN_RETENTION_${key.toUpperCase()}`,
    flag: `retention-${key}`,
    default: default_,
    min,
    help: `${what} are kept (${default_})`,
  };
}

export const retentionSpecs: Record<keyof RetentionSettings, RetentionSpec> = {
  results: retentionSpec('results', '7d', 'raw check results'),
  rollups: retentionSpec('rollups', '366d', 'hourly check rollups and metric rollups'),
  pings: retentionSpec('pings', '30d', 'heartbeat pings'),
  // Queries read raw datapoints for 14 days, and rollups take them when 14 days and 10 minutes old.
  datapoints: retentionSpec('datapoints', '15d', 'raw datapoints', '15d'),
  delivered: retentionSpec('delivered', '30d', 'delivered deliveries'),
  dead: retentionSpec('dead', '90d', 'dead deliveries (for replay)'),
  commands: retentionSpec('commands', '90d', 'ended command runs and their output (the audit)'),
};

type ClusterSpec = SettingSpec & { default: string; min: string; max: string };

export const clusterSpecs: Record<keyof ClusterSettings, ClusterSpec> = {
  leaseTimeoutMs: {
    env: 'TOCSIN_CLUSTER_LEASE_TIMEOUT',
    flag: 'cluster-lease-timeout',
    default: '10s',
    min: '1s',
    max: '10m',
    help: "PostgreSQL: a dead node's work moves after this long (10s)",
  },
  nodeTimeoutMs: {
    env: 'TOCSIN_CLUSTER_NODE_TIMEOUT',
    flag: 'cluster-node-timeout',
    default: '10s',
    min: '1s',
    max: '10m',
    help: 'PostgreSQL: a node unseen this long is dead (10s)',
  },
  renewIntervalMs: {
    env: 'TOCSIN_CLUSTER_RENEW_INTERVAL',
    flag: 'cluster-renew-interval',
    default: '2s',
    min: '100ms',
    max: '5m',
    help: 'PostgreSQL: how often a node renews its leases (2s; at most a third of the lease timeout)',
  },
};

/** Every setting of `tocsin start`, in the order of its usage text. */
export const allSettingSpecs: SettingSpec[] = [
  ...Object.values(settingSpecs),
  ...Object.values(retentionSpecs),
  ...Object.values(clusterSpecs),
  logsQueueBytesSpec,
  ...Object.values(logIngestSpecs),
];

function clusterOf(get: (spec: SettingSpec) => string | undefined): ClusterSettings {
  const out = {} as ClusterSettings;
  for (const [key, spec] of Object.entries(clusterSpecs) as [keyof ClusterSettings, ClusterSpec][]) {
    const text = get(spec) ?? spec.default;
    const ms = parseDuration(text);
    if (ms === undefined || ms < parseDuration(spec.min)! || ms > parseDuration(spec.max)!)
      throw bad(spec, `'${text}' is not a duration from ${spec.min} to ${spec.max} (such as ${spec.default})`);
    out[key] = ms;
  }
  if (out.renewIntervalMs * 3 > out.leaseTimeoutMs) {
    const spec = clusterSpecs.renewIntervalMs;
    throw bad(spec, `must be at most a third of ${clusterSpecs.leaseTimeoutMs.env} (${out.leaseTimeoutMs} ms)`);
  }
  return out;
}

function retentionOf(get: (spec: SettingSpec) => string | undefined): RetentionSettings {
  const out = {} as RetentionSettings;
  for (const [key, spec] of Object.entries(retentionSpecs) as [keyof RetentionSettings, RetentionSpec][]) {
    const text = get(spec) ?? spec.default;
    const ms = parseDuration(text);
    if (ms === undefined || ms < parseDuration(spec.min)!) {
      throw bad(spec, `'${text}' is not a duration of at least ${spec.min} (such as ${spec.default})`);
    }
    out[key] = ms;
  }
  return out;
}

function parseUrl(spec: SettingSpec, value: string, protocols: string[]): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw bad(spec, `'${value}' is not a URL`);
  }
  if (!protocols.includes(url.protocol)) throw bad(spec, `expected ${protocols.join(' or ')} URL, got ${url.protocol}`);
  return value;
}

/**
 * Resolves settings from flags (already parsed, keyed by flag name) over the
 * environment over defaults. Throws a TocsinError naming the variable.
 */
export function loadSettings(
  flags: Record<string, string | undefined> = {},
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): Settings {
  const read = (spec: SettingSpec): string | undefined => {
    const v = flags[spec.flag] ?? env[spec.env];
    return v === undefined || v === '' ? undefined : v;
  };
  const get = (key: keyof typeof settingSpecs): string | undefined => read(settingSpecs[key]);
  const host = get('host') ?? '127.0.0.1';
  const portText = get('port') ?? '8080';
  if (!/^\d+$/.test(portText) || Number(portText) > 65535)
    throw bad(settingSpecs.port, `'${portText}' is not a port number (0-65535)`);
  const port = Number(portText);
  const dataDir = path.resolve(cwd, get('dataDir') ?? './data');
  const dbText = get('databaseUrl');
  let databaseUrl = `sqlite:${path.join(dataDir, 'tocsin.db')}`;
  if (dbText) {
    if (dbText.startsWith('sqlite:')) databaseUrl = `sqlite:${path.resolve(cwd, dbText.slice(7))}`;
    else databaseUrl = parseUrl(settingSpecs.databaseUrl, dbText, ['postgres:', 'postgresql:']);
  }
  let configFile = get('configFile');
  if (configFile) {
    configFile = path.resolve(cwd, configFile);
    if (!existsSync(configFile)) throw bad(settingSpecs.configFile, `file ${configFile} does not exist`);
  } else if (existsSync(path.resolve(cwd, 'tocsin.yaml'))) {
    configFile = path.resolve(cwd, 'tocsin.yaml');
  }
  const adminToken = get('adminToken');
  if (adminToken !== undefined && adminToken.length < 16)
    throw bad(settingSpecs.adminToken, 'must be at least 16 characters');
  const displayHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const publicUrl = (
    get('publicUrl')
      ? parseUrl(settingSpecs.publicUrl, get('publicUrl')!, ['http:', 'https:'])
      : `http://${displayHost}:${port}`
  ).replace(/\/+$/, '');
  const smtp = get('smtpUrl');
  const smtpUrl = smtp ? parseUrl(settingSpecs.smtpUrl, smtp, ['smtp:', 'smtps:']) : undefined;
  const mailFrom = get('mailFrom') ?? 'tocsin@localhost';
  if (!/^[^@\s<>]+@[^@\s<>]+$/.test(mailFrom.replace(/^.*<(.*)>$/, '$1')))
    throw bad(settingSpecs.mailFrom, `'${mailFrom}' is not an e-mail address`);
  const logLevel = get('logLevel') ?? 'info';
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel))
    throw bad(settingSpecs.logLevel, `'${logLevel}' is not one of debug, info, warn, error`);
  const watchdogTopic = get('watchdogTopic') ?? 'pipeline-watchdog';
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(watchdogTopic))
    throw bad(settingSpecs.watchdogTopic, `'${watchdogTopic}' is not a topic name`);
  const windowText = get('watchdogWindowMs') ?? '5m';
  const watchdogWindowMs = parseDuration(windowText);
  if (watchdogWindowMs === undefined || watchdogWindowMs < 10_000 || watchdogWindowMs > 86_400_000)
    throw bad(settingSpecs.watchdogWindowMs, `'${windowText}' is not a duration from 10s to 24h (such as 5m)`);
  const offlineText = get('agentOfflineAfterMs') ?? '3m';
  const agentOfflineAfterMs = parseDuration(offlineText);
  if (agentOfflineAfterMs === undefined || agentOfflineAfterMs < 60_000 || agentOfflineAfterMs > 86_400_000)
    throw bad(settingSpecs.agentOfflineAfterMs, `'${offlineText}' is not a duration from 1m to 24h (such as 3m)`);
  return {
    host,
    port,
    dataDir,
    databaseUrl,
    configFile,
    adminToken,
    publicUrl,
    smtpUrl,
    mailFrom,
    logLevel: logLevel as Settings['logLevel'],
    nodeId: get('nodeId'),
    retention: retentionOf(read),
    cluster: clusterOf(read),
    logsQueueBytes: logsQueueBytesOf(read(logsQueueBytesSpec)),
    logIngest: logIngestOf(read),
    watchdogTopic,
    watchdogWindowMs,
    agentOfflineAfterMs,
  };
}

/**
 * This node's id: the setting, or the host name. Stable across restarts, so
 * that a node restarted after a crash takes its own leases back at once
 * (partitions and outbox queues) instead of waiting for them to expire; two
 * nodes on one host need ids of their own (the second is refused).
 */
export function nodeIdOf(settings: Settings): string {
  return settings.nodeId ?? os.hostname();
}

/** Values a client command reads: where the server is and which token to send. */
export function clientSettings(
  flags: Record<string, string | undefined>,
  env: NodeJS.ProcessEnv = process.env,
): { url: string; token?: string } {
  const url = (flags.url ?? env.TOCSIN_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
  return { url, token: flags.token ?? env.TOCSIN_TOKEN };
}

/** How long `tocsin run` may spend reporting before the job, and again after it, retries included. */
export const DEFAULT_REPORT_TIMEOUT_MS = 3_000;

/**
 * `tocsin run`'s report timeout: `--report-timeout` over TOCSIN_REPORT_TIMEOUT
 * over 3 s; `5s`, `500ms` or a number of seconds, up to 10 minutes.
 */
export function reportTimeoutMs(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): number {
  const text = flag ?? env.TOCSIN_REPORT_TIMEOUT;
  if (text === undefined || text === '') return DEFAULT_REPORT_TIMEOUT_MS;
  const ms = parseDuration(text);
  if (ms === undefined || ms < 100 || ms > 600_000) {
    throw new TocsinError(
      'bad_request',
      `TOCSIN_REPORT_TIMEOUT (--report-timeout): '${text}' is not a duration from 100ms to 10m (such as 5s)`,
    );
  }
  return ms;
}
