import { parseDuration } from '../core/durations.js';
import { createApiClient, table } from './api-client.js';
import { keyValues, nounCommand, printJson, UsageError, type Action, type FlagValues } from './command.js';
import { cliIo } from './cli-io.js';

const dimensionFlag = { dimension: { type: 'string' as const, multiple: true, short: 'd' } };
const seriesFlags = { namespace: { type: 'string' as const }, name: { type: 'string' as const }, ...dimensionFlag };

function required(v: FlagValues, flag: string, verb: string): string {
  const value = v[flag];
  if (typeof value !== 'string' || value === '') throw new UsageError(`metrics ${verb}: give --${flag} (see --help)`);
  return value;
}

const list: Action = {
  synopsis: '[--namespace NS] [--json]',
  options: { namespace: { type: 'string' }, json: { type: 'boolean' } },
  async run(v) {
    const qs = typeof v.namespace === 'string' ? `?namespace=${encodeURIComponent(v.namespace)}` : '';
    const { series } = await createApiClient(v).get<{
      series: { namespace: string; name: string; dimensions: Record<string, string>; unit: string | null }[];
    }>(`/api/metrics${qs}`);
    if (printJson(v, series)) return 0;
    const dims = (d: Record<string, string>) =>
      Object.entries(d)
        .map(([k, x]) => `${k}=${x}`)
        .join(',') || '-';
    cliIo().stdout.write(
      `${table(
        ['NAMESPACE', 'NAME', 'DIMENSIONS', 'UNIT'],
        series.map((s) => [s.namespace, s.name, dims(s.dimensions), s.unit ?? '-']),
      )}\n`,
    );
    return 0;
  },
};

const put: Action = {
  synopsis: '--namespace NS --name NAME --value NUMBER [--dimension KEY=VALUE …] [--unit UNIT] [--timestamp TIME]',
  options: { ...seriesFlags, value: { type: 'string' }, unit: { type: 'string' }, timestamp: { type: 'string' } },
  help: `Puts one datapoint, as CloudWatch's put-metric-data does (POST /api/metrics;
an ingest token is enough). --dimension (-d) may be given more than once;
--timestamp is an ISO time or epoch seconds (now when left out). For example:
  tocsin metrics put --namespace Tocsin/Host --name disk_used_percent -d Host=web-1 --value 71`,
  async run(v) {
    const namespace = required(v, 'namespace', 'put');
    const name = required(v, 'name', 'put');
    const text = required(v, 'value', 'put');
    const value = Number(text);
    if (!Number.isFinite(value) || text.trim() === '')
      throw new UsageError(`metrics put: --value '${text}' is not a number`);
    const datum: Record<string, unknown> = { MetricName: name, Value: value };
    const dimensions = keyValues(v.dimension, 'dimension');
    if (Object.keys(dimensions).length)
      datum.Dimensions = Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value }));
    if (typeof v.unit === 'string') datum.Unit = v.unit;
    if (typeof v.timestamp === 'string')
      datum.Timestamp = /^\d+(\.\d+)?$/.test(v.timestamp) ? Number(v.timestamp) : v.timestamp;
    await createApiClient(v).post('/api/metrics', { Namespace: namespace, MetricData: [datum] });
    cliIo().stdout.write(
      `put ${namespace} ${name}${
        Object.keys(dimensions).length
          ? ` {${Object.entries(dimensions)
              .map(([k, x]) => `${k}=${x}`)
              .join(',')}}`
          : ''
      } = ${value}\n`,
    );
    return 0;
  },
};

const query: Action = {
  synopsis:
    '--namespace NS --name NAME [--dimension KEY=VALUE …] ' +
    '[--statistic STAT] [--period DURATION] [--last DURATION] [--json]',
  options: {
    ...seriesFlags,
    statistic: { type: 'string' },
    period: { type: 'string' },
    last: { type: 'string' },
    json: { type: 'boolean' },
  },
  help: `Prints a statistic (Average by default; Sum, Minimum, Maximum, SampleCount or
a percentile such as p99) per period (1m by default) over the last hour (or
--last), up to now; periods with no data show '-'.`,
  async run(v) {
    const namespace = required(v, 'namespace', 'query');
    const name = required(v, 'name', 'query');
    const periodMs = parseDuration(String(v.period ?? '1m'));
    if (periodMs === undefined || periodMs < 10_000 || periodMs % 1000 !== 0)
      throw new UsageError(`metrics query: --period '${v.period}' is not a duration of 10s or more (such as 1m)`);
    const lastMs = parseDuration(String(v.last ?? '1h'));
    if (lastMs === undefined || lastMs < periodMs)
      throw new UsageError(`metrics query: --last '${v.last}' is not a duration of one period or more (such as 1h)`);
    // The period now running is included, so a datapoint just put shows.
    const to = Math.ceil((Date.now() + 1) / periodMs) * periodMs;
    const params = new URLSearchParams({
      namespace,
      name,
      statistic: String(v.statistic ?? 'Average'),
      period: String(periodMs / 1000),
      from: new Date(to - Math.ceil(lastMs / periodMs) * periodMs).toISOString(),
      to: new Date(to).toISOString(),
    });
    const dimensions = keyValues(v.dimension, 'dimension');
    if (Object.keys(dimensions).length) params.set('dimensions', JSON.stringify(dimensions));
    const res = await createApiClient(v).get<{
      statistic: string;
      datapoints: { time: string; value: number | null }[];
    }>(`/api/metrics/query?${params}`);
    if (printJson(v, res)) return 0;
    cliIo().stdout.write(
      `${table(
        ['TIME', res.statistic.toUpperCase()],
        res.datapoints.map((d) => [d.time, d.value === null ? '-' : String(d.value)]),
      )}\n`,
    );
    return 0;
  },
};

export const metricsCommand = nounCommand(
  'metrics',
  'list series, put a datapoint, query a statistic',
  { list, put, query },
  'list',
);
