/**
 * The monitor form's values (strings and booleans, as the inputs hold them) to and from an API body. Empty
 * inputs are left out, so the schema's defaults apply; what the user typed wrong stays as typed, for the schema
 * to name.
 */
import type { Monitor } from '../core/api-types.js';
import { durationText as dur, listOf as list, numberOrText as num, parseTags, tagsText } from '../core/form-text.js';

export const monitorFormInitial = {
  name: '',
  type: 'http',
  description: '',
  interval: '60s',
  timeout: '',
  failureThreshold: '1',
  successThreshold: '1',
  retryInterval: '',
  reminder: '',
  topics: '',
  tags: '',
  paused: false as boolean,
  /** The agents it is also checked from, as a selector: `role=edge, region=eu|us`; none when empty. */
  locationAgents: '',
  locationServer: true as boolean,
  locationQuorum: '',
  url: 'https://',
  method: 'GET',
  expectedStatus: '200-299',
  headers: '',
  body: '',
  authType: '',
  username: '',
  password: '',
  token: '',
  bodyContains: '',
  bodyMatches: '',
  jsonPath: '',
  jsonEquals: '',
  maxResponseTimeMs: '',
  followRedirects: true as boolean,
  verifyTls: true as boolean,
  certExpiryWarningDays: '14',
  host: '',
  port: '',
  query: '',
  recordType: 'A',
  resolver: '',
  expected: '',
  servername: '',
  minDaysLeft: '14',
  objectWhere: 's3',
  objectPath: '',
  bucket: '',
  prefix: '',
  key: '',
  endpoint: '',
  region: '',
  pathStyle: false as boolean,
  profile: '',
  accessKeyId: '',
  secretAccessKey: '',
  /** Kept as it came (no input shows it), so saving the form does not drop it. */
  sessionToken: '',
  objectTimezone: 'UTC',
  cron: '',
  deadline: '',
  maxAge: '',
  minSize: '',
};

export type MonitorFormValues = typeof monitorFormInitial;

function parseHeaders(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf(':');
    if (line.trim() && i > 0) out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return out;
}

function put(body: Record<string, unknown>, key: string, value: unknown): void {
  if (value === '' || value === undefined) return;
  if (Array.isArray(value) && value.length === 0) return;
  if (value && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0) return;
  body[key] = value;
}

function httpBody(v: MonitorFormValues, b: Record<string, unknown>): void {
  put(b, 'url', v.url.trim());
  put(b, 'method', v.method);
  put(b, 'expectedStatus', list(v.expectedStatus).map(num));
  put(b, 'headers', parseHeaders(v.headers));
  put(b, 'body', v.body);
  if (v.authType === 'basic') b.auth = { type: 'basic', username: v.username, password: v.password };
  if (v.authType === 'bearer') b.auth = { type: 'bearer', token: v.token };
  put(b, 'bodyContains', v.bodyContains);
  put(b, 'bodyMatches', v.bodyMatches);
  put(b, 'jsonPath', v.jsonPath.trim());
  if (v.jsonEquals.trim()) {
    try {
      b.jsonEquals = JSON.parse(v.jsonEquals);
    } catch {
      b.jsonEquals = v.jsonEquals;
    }
  }
  put(b, 'maxResponseTimeMs', num(v.maxResponseTimeMs));
  b.followRedirects = v.followRedirects;
  b.verifyTls = v.verifyTls;
  put(b, 'certExpiryWarningDays', num(v.certExpiryWarningDays));
}

function objectBody(v: MonitorFormValues, b: Record<string, unknown>): void {
  if (v.objectWhere === 'file') put(b, 'path', v.objectPath.trim());
  else {
    const s3: Record<string, unknown> = {};
    put(s3, 'bucket', v.bucket.trim());
    put(s3, 'prefix', v.prefix.trim());
    put(s3, 'endpoint', v.endpoint.trim());
    put(s3, 'region', v.region.trim());
    if (v.pathStyle) s3.pathStyle = true;
    put(s3, 'profile', v.profile.trim());
    put(s3, 'accessKeyId', v.accessKeyId.trim());
    put(s3, 'secretAccessKey', v.secretAccessKey);
    put(s3, 'sessionToken', v.sessionToken);
    b.s3 = s3;
    put(b, 'key', v.key.trim());
  }
  put(b, 'timezone', v.objectTimezone.trim());
  put(b, 'cron', v.cron.trim());
  put(b, 'deadline', v.deadline.trim());
  put(b, 'maxAge', v.maxAge.trim());
  put(b, 'minSize', num(v.minSize));
}

/** `role=edge, region=eu|us` to a tag selector (a value with `|` is any of them). */
function selectorOf(text: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, value] of Object.entries(parseTags(text)))
    out[k] = value.includes('|') ? value.split('|').map((x) => x.trim()) : value;
  return out;
}

/** A selector as the input shows it. */
function selectorText(selector: Record<string, string | string[]>): string {
  return Object.entries(selector)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('|') : v}`)
    .join(', ');
}

function locationsBody(v: MonitorFormValues, b: Record<string, unknown>): void {
  if (!v.locationAgents.trim()) return;
  const locations: Record<string, unknown> = { agents: selectorOf(v.locationAgents), includeServer: v.locationServer };
  put(locations, 'quorum', num(v.locationQuorum));
  b.locations = locations;
}

export function monitorBody(v: MonitorFormValues): Record<string, unknown> {
  const b: Record<string, unknown> = { name: v.name.trim(), type: v.type };
  put(b, 'description', v.description.trim());
  put(b, 'interval', v.interval.trim());
  put(b, 'timeout', v.timeout.trim());
  put(b, 'failureThreshold', num(v.failureThreshold));
  put(b, 'successThreshold', num(v.successThreshold));
  put(b, 'retryInterval', v.retryInterval.trim());
  put(b, 'reminder', v.reminder.trim());
  b.topics = list(v.topics);
  b.tags = parseTags(v.tags);
  b.paused = v.paused;
  locationsBody(v, b);
  if (v.type === 'http') httpBody(v, b);
  if (v.type === 'tcp' || v.type === 'tls') {
    put(b, 'host', v.host.trim());
    put(b, 'port', num(v.port));
  }
  if (v.type === 'tls') {
    put(b, 'servername', v.servername.trim());
    put(b, 'minDaysLeft', num(v.minDaysLeft));
    b.verifyTls = v.verifyTls;
  }
  if (v.type === 'dns') {
    put(b, 'query', v.query.trim());
    put(b, 'recordType', v.recordType);
    put(b, 'resolver', v.resolver.trim());
    put(b, 'expected', list(v.expected));
  }
  if (v.type === 'object') objectBody(v, b);
  return b;
}

const str = (x: unknown) => (x === undefined || x === null ? '' : String(x));

function objectValues(t: Record<string, unknown>): Partial<MonitorFormValues> {
  const s3 = (t.s3 as Record<string, unknown> | undefined) ?? {};
  return {
    objectWhere: t.path !== undefined ? 'file' : 's3',
    objectPath: str(t.path),
    bucket: str(s3.bucket),
    prefix: str(s3.prefix),
    key: str(t.key),
    endpoint: str(s3.endpoint),
    region: s3.region === 'us-east-1' ? '' : str(s3.region),
    pathStyle: s3.pathStyle === true,
    profile: str(s3.profile),
    accessKeyId: str(s3.accessKeyId),
    secretAccessKey: str(s3.secretAccessKey),
    sessionToken: str(s3.sessionToken),
    objectTimezone: str(t.timezone) || 'UTC',
    cron: str(t.cron),
    deadline: str(t.deadline),
    maxAge: str(t.maxAge),
    minSize: str(t.minSize),
  };
}

/** The form's values for an existing monitor. */
export function monitorValues(m: Monitor): MonitorFormValues {
  const t = m.target as Record<string, unknown>;
  const auth = t.auth as { type: string; username?: string; password?: string; token?: string } | undefined;
  return {
    ...monitorFormInitial,
    name: m.name,
    type: m.type,
    description: m.settings.description ?? '',
    interval: dur(m.settings.intervalMs),
    timeout: dur(m.settings.timeoutMs),
    failureThreshold: String(m.settings.failureThreshold),
    successThreshold: String(m.settings.successThreshold),
    retryInterval: dur(m.settings.retryIntervalMs),
    reminder: dur(m.settings.reminderMs),
    topics: m.settings.topics.join(', '),
    tags: tagsText(m.settings.tags),
    paused: m.settings.paused,
    locationAgents: m.settings.locations ? selectorText(m.settings.locations.agents) : '',
    locationServer: m.settings.locations?.includeServer ?? true,
    locationQuorum: str(m.settings.locations?.quorum),
    url: str(t.url),
    method: str(t.method) || 'GET',
    expectedStatus: Array.isArray(t.expectedStatus) ? t.expectedStatus.join(', ') : '200-299',
    headers: Object.entries((t.headers as Record<string, string>) ?? {})
      .map(([k, v]) => `${k}: ${v}`)
      .join('\n'),
    body: str(t.body),
    authType: auth?.type ?? '',
    username: str(auth?.username),
    password: str(auth?.password),
    token: str(auth?.token),
    bodyContains: str(t.bodyContains),
    bodyMatches: str(t.bodyMatches),
    jsonPath: str(t.jsonPath),
    jsonEquals: t.jsonEquals === undefined ? '' : JSON.stringify(t.jsonEquals),
    maxResponseTimeMs: str(t.maxResponseTimeMs),
    followRedirects: t.followRedirects !== false,
    verifyTls: t.verifyTls !== false,
    certExpiryWarningDays: str(t.certExpiryWarningDays ?? 14),
    host: str(t.host),
    port: str(t.port),
    query: str(t.query),
    recordType: str(t.recordType) || 'A',
    resolver: str(t.resolver),
    expected: Array.isArray(t.expected) ? t.expected.join(', ') : '',
    servername: str(t.servername),
    minDaysLeft: str(t.minDaysLeft ?? 14),
    ...(m.type === 'object' ? objectValues(t) : {}),
  };
}

/** The field that shows an issue of the body at `path`. */
export function monitorFieldOf(path: string): string {
  const [first = 'name', second] = path.split('.');
  if (first === 'auth') return 'authType';
  if (first === 's3') return second && second !== 'sessionToken' ? second : 'bucket';
  if (first === 'path') return 'objectPath';
  if (first === 'timezone') return 'objectTimezone';
  if (first === 'locations')
    return second === 'quorum' ? 'locationQuorum' : second === 'includeServer' ? 'locationServer' : 'locationAgents';
  return first;
}
