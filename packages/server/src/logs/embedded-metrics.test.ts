import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { EMF_UNITS, type EmbeddedMetricsResult, embeddedMetricsOf } from './embedded-metrics.js';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const now = Date.now();
const opts = { now };

/** A line of one directive, with the members given; `_aws` fields can be overridden. */
function line(members: Record<string, unknown>, directive: Record<string, unknown>, aws: Record<string, unknown> = {}) {
  return { _aws: { Timestamp: now - 1000, CloudWatchMetrics: [directive], ...aws }, ...members };
}

function rejected(result: EmbeddedMetricsResult): { path: string; reason: string } {
  assert.equal(result.kind, 'rejected', JSON.stringify(result));
  if (result.kind !== 'rejected') throw new Error('unreachable');
  return { path: result.path, reason: result.reason };
}

function datapoints(result: EmbeddedMetricsResult) {
  assert.equal(result.kind, 'metrics', JSON.stringify(result));
  if (result.kind !== 'metrics') throw new Error('unreachable');
  return result.datapoints;
}

describe('embeddedMetricsOf: the specification examples', () => {
  it("reads the specification's valid example into one datapoint", () => {
    const doc = {
      _aws: {
        Timestamp: 1574109732004,
        CloudWatchMetrics: [
          {
            Namespace: 'lambda-function-metrics',
            Dimensions: [['functionVersion']],
            Metrics: [{ Name: 'time', Unit: 'Milliseconds', StorageResolution: 60 }],
          },
        ],
      },
      functionVersion: '$LATEST',
      time: 100,
      requestId: '989ffbf8-9ace-4817-a57c-e4dd734019ee',
    };
    assert.deepEqual(datapoints(embeddedMetricsOf(doc, { now: 1574109732004 + 5000 })), [
      {
        namespace: 'lambda-function-metrics',
        name: 'time',
        dimensions: { functionVersion: '$LATEST' },
        at: 1574109732004,
        unit: 'Milliseconds',
        storageResolution: 60,
        count: 1,
        sum: 100,
        min: 100,
        max: 100,
      },
    ]);
  });

  it("reads the MetricDefinition example ('Time': 1) with Unit None and resolution 60 by default", () => {
    const [d] = datapoints(
      embeddedMetricsOf(line({ Time: 1 }, { Namespace: 'N', Dimensions: [[]], Metrics: [{ Name: 'Time' }] }), opts),
    );
    assert.equal(d.unit, 'None');
    assert.equal(d.storageResolution, 60);
    assert.deepEqual(d.dimensions, {});
  });

  it("reads the entity example (no Dimensions, no Timestamp) at the event's time, without dimensions", () => {
    const doc = {
      _aws: {
        CloudWatchMetrics: [
          { Metrics: [{ Name: 'RequestLatency', Unit: 'Milliseconds' }], Namespace: 'MyApplication' },
        ],
      },
      Service: 'PaymentService',
      Environment: 'Production',
      'K8s.Cluster': 'main-cluster',
      RequestLatency: 135.5,
      timestamp: 1622163600000,
    };
    const [d] = datapoints(embeddedMetricsOf(doc, { now, eventTime: now - 60_000 }));
    assert.deepEqual(
      { ns: d.namespace, name: d.name, dims: d.dimensions, at: d.at, sum: d.sum },
      { ns: 'MyApplication', name: 'RequestLatency', dims: {}, at: now - 60_000, sum: 135.5 },
    );
    assert.equal(datapoints(embeddedMetricsOf(doc, opts))[0].at, now, 'now without an event time');
  });

  it("matches a reference 'A.a' to the member named 'A.a', never to a nested member", () => {
    const directive = { Namespace: 'N', Dimensions: [['A.a']], Metrics: [{ Name: 'm' }] };
    assert.deepEqual(datapoints(embeddedMetricsOf(line({ 'A.a': 'x', m: 1 }, directive), opts))[0].dimensions, {
      'A.a': 'x',
    });
    assert.match(
      rejected(embeddedMetricsOf(line({ A: { a: 'x' }, m: 1 }, directive), opts)).reason,
      /no top-level member/,
    );
  });
});

describe('embeddedMetricsOf: what a line defines', () => {
  it('is none for a line without _aws, or for what is not an object', () => {
    for (const l of [{ message: 'hi', time: 1 }, [1], 'text', 3, null, undefined])
      assert.deepEqual(embeddedMetricsOf(l, opts), { kind: 'none' });
  });

  it('gives a datapoint per metric and per dimension set, with its unit and resolution', () => {
    const doc = line(
      { Service: 'api', Stage: 'prod', Latency: 12, Errors: 2 },
      {
        Namespace: 'App',
        Dimensions: [['Service'], ['Service', 'Stage'], []],
        Metrics: [
          { Name: 'Latency', Unit: 'Milliseconds', StorageResolution: 1 },
          { Name: 'Errors', Unit: 'Count' },
        ],
      },
    );
    const got = datapoints(embeddedMetricsOf(doc, opts)).map((d) => [
      d.name,
      d.dimensions,
      d.unit,
      d.storageResolution,
    ]);
    assert.deepEqual(got, [
      ['Latency', { Service: 'api' }, 'Milliseconds', 1],
      ['Latency', { Service: 'api', Stage: 'prod' }, 'Milliseconds', 1],
      ['Latency', {}, 'Milliseconds', 1],
      ['Errors', { Service: 'api' }, 'Count', 60],
      ['Errors', { Service: 'api', Stage: 'prod' }, 'Count', 60],
      ['Errors', {}, 'Count', 60],
    ]);
  });

  it('reads an array as samples: count, sum, min, max and the distribution with repeats as weights', () => {
    const [d] = datapoints(
      embeddedMetricsOf(line({ m: [3, 1, 3, 2] }, { Namespace: 'N', Metrics: [{ Name: 'm' }] }), opts),
    );
    assert.deepEqual(
      { count: d.count, sum: d.sum, min: d.min, max: d.max, values: d.values },
      {
        count: 4,
        sum: 9,
        min: 1,
        max: 3,
        values: [
          { value: 3, weight: 2 },
          { value: 1, weight: 1 },
          { value: 2, weight: 1 },
        ],
      },
    );
    const [one] = datapoints(embeddedMetricsOf(line({ m: [7] }, { Namespace: 'N', Metrics: [{ Name: 'm' }] }), opts));
    assert.deepEqual([one.count, one.sum, one.values], [1, 7, undefined], 'one value is a plain value');
  });

  it('takes 100 values and 30 dimension keys, the limits', () => {
    const members: Record<string, unknown> = { m: Array.from({ length: 100 }, (_, i) => i) };
    const keys = Array.from({ length: 30 }, (_, i) => `d${i}`);
    for (const k of keys) members[k] = 'v';
    const [d] = datapoints(
      embeddedMetricsOf(line(members, { Namespace: 'N', Dimensions: [keys], Metrics: [{ Name: 'm' }] }), opts),
    );
    assert.equal(d.count, 100);
    assert.equal(Object.keys(d.dimensions).length, 30);
  });

  it('keeps a dimension named __proto__ as a dimension', () => {
    const doc = JSON.parse(
      '{"_aws":{"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[["__proto__"]],"Metrics":[{"Name":"m"}]}]},' +
        '"__proto__":"x","m":1}',
    );
    const [d] = datapoints(embeddedMetricsOf(doc, opts));
    assert.deepEqual(Object.entries(d.dimensions), [['__proto__', 'x']]);
  });

  it('accepts every CloudWatch unit', () => {
    for (const Unit of EMF_UNITS)
      assert.equal(
        datapoints(embeddedMetricsOf(line({ m: 1 }, { Namespace: 'N', Metrics: [{ Name: 'm', Unit }] }), opts))[0].unit,
        Unit,
      );
  });

  it('ignores members the specification does not define, at every level', () => {
    const doc = line(
      { m: 1, other: { nested: true } },
      { Namespace: 'N', Metrics: [{ Name: 'm', Extra: 1 }], Whatever: [] },
      { LogGroupName: 'g', Unknown: 'x' },
    );
    assert.equal(datapoints(embeddedMetricsOf(doc, opts)).length, 1);
  });

  it('gives a series once however often the line names it (sets repeated or reordered, two directives)', () => {
    const directive = {
      Namespace: 'N',
      Dimensions: [
        ['a', 'b'],
        ['b', 'a'],
        ['a', 'a', 'b'],
      ],
      Metrics: [{ Name: 'm' }, { Name: 'm' }],
    };
    const doc = line({ a: '1', b: '2', m: 5 }, directive, {
      CloudWatchMetrics: [directive, directive, { ...directive, Namespace: 'M' }],
    });
    const got = datapoints(embeddedMetricsOf(doc, opts)).map((d) => d.namespace);
    assert.deepEqual(got, ['N', 'M']);
  });

  it('defines nothing, and refuses nothing, for an empty CloudWatchMetrics', () => {
    assert.deepEqual(embeddedMetricsOf({ _aws: { Timestamp: now, CloudWatchMetrics: [] } }, opts), {
      kind: 'metrics',
      datapoints: [],
    });
  });
});

describe('embeddedMetricsOf: lines refused, each with the member at fault', () => {
  const ok = { Namespace: 'N', Dimensions: [['d']], Metrics: [{ Name: 'm' }] };
  const cases: [string, unknown, string, RegExp][] = [
    ['_aws not an object', { _aws: 'x' }, '_aws', /must be an object/],
    ['no CloudWatchMetrics', { _aws: { Timestamp: now } }, '_aws.CloudWatchMetrics', /is required/],
    ['CloudWatchMetrics not an array', { _aws: { CloudWatchMetrics: {} } }, '_aws.CloudWatchMetrics', /array/],
    ['a directive not an object', { _aws: { CloudWatchMetrics: [1] } }, '_aws.CloudWatchMetrics.0', /object/],
    ['a Timestamp as text', line({ d: 'x', m: 1 }, ok, { Timestamp: '2026-12-02' }), '_aws.Timestamp', /integer/],
    ['a Timestamp with a fraction', line({ d: 'x', m: 1 }, ok, { Timestamp: now - 0.5 }), '_aws.Timestamp', /integer/],
    [
      'a Timestamp 15 days old',
      line({ d: 'x', m: 1 }, ok, { Timestamp: now - 15 * 86_400_000 }),
      '_aws.Timestamp',
      /14 days/,
    ],
    [
      'a Timestamp 3 hours ahead',
      line({ d: 'x', m: 1 }, ok, { Timestamp: now + 3 * 3_600_000 }),
      '_aws.Timestamp',
      /2 hours/,
    ],
    [
      'no Namespace',
      line({ d: 'x', m: 1 }, { ...ok, Namespace: undefined }),
      '_aws.CloudWatchMetrics.0.Namespace',
      /required/,
    ],
    [
      'a blank Namespace',
      line({ d: 'x', m: 1 }, { ...ok, Namespace: '  ' }),
      '_aws.CloudWatchMetrics.0.Namespace',
      /non-space/,
    ],
    [
      'a Namespace of 1025 characters',
      line({ d: 'x', m: 1 }, { ...ok, Namespace: 'n'.repeat(1025) }),
      '_aws.CloudWatchMetrics.0.Namespace',
      /1024/,
    ],
    [
      'a non-ASCII Namespace',
      line({ d: 'x', m: 1 }, { ...ok, Namespace: 'Café' }),
      '_aws.CloudWatchMetrics.0.Namespace',
      /ASCII/,
    ],
    [
      'Dimensions not an array',
      line({ d: 'x', m: 1 }, { ...ok, Dimensions: 'd' }),
      '_aws.CloudWatchMetrics.0.Dimensions',
      /array/,
    ],
    [
      'a dimension set not an array',
      line({ d: 'x', m: 1 }, { ...ok, Dimensions: ['d'] }),
      '_aws.CloudWatchMetrics.0.Dimensions.0',
      /array/,
    ],
    [
      'a dimension key not a string',
      line({ d: 'x', m: 1 }, { ...ok, Dimensions: [[1]] }),
      '_aws.CloudWatchMetrics.0.Dimensions.0.0',
      /string/,
    ],
    [
      'a dimension key starting with a colon',
      line({ ':d': 'x', m: 1 }, { ...ok, Dimensions: [[':d']] }),
      '_aws.CloudWatchMetrics.0.Dimensions.0.0',
      /':'/,
    ],
    [
      'a dimension key of 251 characters',
      line({ m: 1 }, { ...ok, Dimensions: [['k'.repeat(251)]] }),
      '_aws.CloudWatchMetrics.0.Dimensions.0.0',
      /250/,
    ],
    ['a dimension without its member', line({ m: 1 }, ok), 'd', /no top-level member/],
    ['a dimension that is a number', line({ d: 404, m: 1 }, ok), 'd', /must be a string, not a number/],
    ['a dimension that is empty', line({ d: '', m: 1 }, ok), 'd', /non-space/],
    ['a dimension of 1025 characters', line({ d: 'v'.repeat(1025), m: 1 }, ok), 'd', /1024/],
    ['a dimension with a control character', line({ d: 'a\nb', m: 1 }, ok), 'd', /ASCII/],
    ['no Metrics', line({ d: 'x' }, { ...ok, Metrics: undefined }), '_aws.CloudWatchMetrics.0.Metrics', /required/],
    [
      'a definition not an object',
      line({ d: 'x' }, { ...ok, Metrics: ['m'] }),
      '_aws.CloudWatchMetrics.0.Metrics.0',
      /object/,
    ],
    [
      'a definition without Name',
      line({ d: 'x' }, { ...ok, Metrics: [{ Unit: 'Count' }] }),
      '_aws.CloudWatchMetrics.0.Metrics.0.Name',
      /required/,
    ],
    [
      'a Unit not of CloudWatch',
      line({ d: 'x', m: 1 }, { ...ok, Metrics: [{ Name: 'm', Unit: 'ms' }] }),
      '_aws.CloudWatchMetrics.0.Metrics.0.Unit',
      /not a CloudWatch unit/,
    ],
    [
      'a Unit in lower case',
      line({ d: 'x', m: 1 }, { ...ok, Metrics: [{ Name: 'm', Unit: 'count' }] }),
      '_aws.CloudWatchMetrics.0.Metrics.0.Unit',
      /not a CloudWatch unit/,
    ],
    [
      'a StorageResolution of 5',
      line({ d: 'x', m: 1 }, { ...ok, Metrics: [{ Name: 'm', StorageResolution: 5 }] }),
      '_aws.CloudWatchMetrics.0.Metrics.0.StorageResolution',
      /1 or 60/,
    ],
    [
      'a StorageResolution as text',
      line({ d: 'x', m: 1 }, { ...ok, Metrics: [{ Name: 'm', StorageResolution: '1' }] }),
      '_aws.CloudWatchMetrics.0.Metrics.0.StorageResolution',
      /1 or 60/,
    ],
    ['a metric without its member', line({ d: 'x' }, ok), 'm', /no top-level member/],
    ['a metric as text', line({ d: 'x', m: '12' }, ok), 'm', /number or an array/],
    ['a metric that is null', line({ d: 'x', m: null }, ok), 'm', /not null/],
    ['a metric that is true', line({ d: 'x', m: true }, ok), 'm', /not a boolean/],
    ['an array holding text', line({ d: 'x', m: [1, '2'] }, ok), 'm.1', /not a number/],
    ['an empty array', line({ d: 'x', m: [] }, ok), 'm', /empty/],
    ['an array of 101 values', line({ d: 'x', m: Array(101).fill(1) }, ok), 'm', /101 values; at most 100/],
    ['a value beyond 2^360', line({ d: 'x', m: 1e200 }, ok), 'm', /range/],
  ];
  for (const [what, doc, path, reason] of cases)
    it(`refuses ${what}`, () => {
      const r = rejected(embeddedMetricsOf(doc, opts));
      assert.equal(r.path, path);
      assert.match(r.reason, reason);
    });

  it('refuses a Timestamp too far ahead for a date, and an old event time when Timestamp is absent', () => {
    const far = line({ m: 1 }, { Namespace: 'N', Metrics: [{ Name: 'm' }] }, { Timestamp: 1e20 });
    assert.deepEqual(rejected(embeddedMetricsOf(far, opts)), {
      path: '_aws.Timestamp',
      reason: 'the Timestamp 100000000000000000000 is more than 2 hours ahead',
    });
    const untimed = { _aws: { CloudWatchMetrics: [{ Namespace: 'N', Metrics: [{ Name: 'm' }] }] }, m: 1 };
    const r = rejected(embeddedMetricsOf(untimed, { now, eventTime: now - 20 * 86_400_000 }));
    assert.match(r.reason, /^the event's time \(no Timestamp\) .* is more than 14 days old$/);
  });

  it('refuses a dimension set of 31 keys and a directive of 101 metrics', () => {
    const keys = Array.from({ length: 31 }, (_, i) => `d${i}`);
    const members = Object.fromEntries([...keys.map((k) => [k, 'v']), ['m', 1]]);
    const r = rejected(embeddedMetricsOf(line(members, { ...ok, Dimensions: [keys] }), opts));
    assert.deepEqual(r, { path: '_aws.CloudWatchMetrics.0.Dimensions.0', reason: 'has 31 dimension keys; at most 30' });
    const metrics = Array.from({ length: 101 }, (_, i) => ({ Name: `m${i}` }));
    const r2 = rejected(embeddedMetricsOf(line({ d: 'x' }, { ...ok, Metrics: metrics }), opts));
    assert.deepEqual(r2, { path: '_aws.CloudWatchMetrics.0.Metrics', reason: 'has 101 definitions; at most 100' });
  });

  it('refuses a metric given two resolutions in one line, and a line over 1 MiB', () => {
    const high = { Namespace: 'N', Metrics: [{ Name: 'm', StorageResolution: 1 }] };
    const doc = line({ m: 1 }, high, { CloudWatchMetrics: [high, { Namespace: 'N', Metrics: [{ Name: 'm' }] }] });
    assert.equal(rejected(embeddedMetricsOf(doc, opts)).path, '_aws.CloudWatchMetrics.1.Metrics.0.StorageResolution');
    const other = line({ m: 1 }, high, { CloudWatchMetrics: [high, { Namespace: 'O', Metrics: [{ Name: 'm' }] }] });
    assert.equal(datapoints(embeddedMetricsOf(other, opts)).length, 2, 'another namespace is another metric');
    assert.match(rejected(embeddedMetricsOf(line({ m: 1 }, high), { now, bytes: 1024 * 1024 + 1 })).reason, /1 MiB/);
  });

  it('refuses the whole line for one bad directive: no datapoint from the good ones', () => {
    const good = { Namespace: 'N', Metrics: [{ Name: 'm' }] };
    const doc = line({ m: 1 }, good, { CloudWatchMetrics: [good, { Namespace: 'N', Metrics: [{ Name: 'missing' }] }] });
    assert.equal(embeddedMetricsOf(doc, opts).kind, 'rejected');
  });
});

/** Lines printed by the real aws-embedded-metrics package (its Local environment writes each event to stdout). */
async function clientLines(at: number): Promise<unknown[]> {
  const script = `
    import emf from 'aws-embedded-metrics';
    const { createMetricsLogger, Unit, StorageResolution } = emf;
    const at = Number(process.env.EMF_AT);
    const m = createMetricsLogger();
    m.setNamespace('Tocsin/Checkout');
    m.setDimensions([{ Service: 'checkout', Stage: 'prod' }, { Service: 'checkout' }]);
    m.putMetric('Latency', 120, Unit.Milliseconds);
    m.putMetric('Latency', 80, Unit.Milliseconds);
    m.putMetric('Errors', 1, Unit.Count, StorageResolution.High);
    for (let i = 0; i < 150; i++) m.putMetric('QueueDepth', i % 10);
    m.setProperty('RequestId', 'req-1');
    m.setTimestamp(at);
    await m.flush();
    const wide = createMetricsLogger();
    wide.setNamespace('Tocsin/Wide');
    wide.setTimestamp(at);
    for (let i = 0; i < 120; i++) wide.putMetric('m' + i, i, Unit.Bytes);
    await wide.flush();
  `;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
    cwd: repoRoot,
    env: {
      ...process.env,
      AWS_EMF_ENVIRONMENT: 'Local',
      AWS_EMF_SERVICE_NAME: 'checkout-svc',
      AWS_EMF_SERVICE_TYPE: 'Lambda',
      EMF_AT: String(at),
    },
    timeout: 20_000,
  });
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as unknown);
}

describe('embeddedMetricsOf: lines written by the aws-embedded-metrics package', () => {
  it('reads every line the client prints, split as it splits them (100 values, 100 metrics a line)', async () => {
    const at = now - 30_000;
    const lines = await clientLines(at);
    assert.equal(lines.length, 4, 'two events for 150 values, two for 120 metrics');
    const all = lines.flatMap((l) => datapoints(embeddedMetricsOf(l, opts)));
    assert.ok(all.every((d) => d.at === at));
    const of = (name: string, dims: Record<string, string>) =>
      all.filter((d) => d.name === name && JSON.stringify(d.dimensions) === JSON.stringify(dims));
    const both = { Service: 'checkout', Stage: 'prod' };
    const [latency] = of('Latency', both);
    assert.deepEqual(
      [
        latency.namespace,
        latency.unit,
        latency.storageResolution,
        latency.count,
        latency.sum,
        latency.min,
        latency.max,
      ],
      ['Tocsin/Checkout', 'Milliseconds', 60, 2, 200, 80, 120],
    );
    assert.equal(of('Latency', { Service: 'checkout' }).length, 1, 'a datapoint per dimension set');
    const [errors] = of('Errors', both);
    assert.deepEqual([errors.unit, errors.storageResolution, errors.sum], ['Count', 1, 1]);
    const depth = of('QueueDepth', both);
    assert.deepEqual(
      depth.map((d) => d.count).sort((a, b) => b - a),
      [100, 50],
    );
    assert.equal(
      depth.reduce((n, d) => n + d.sum, 0),
      675,
    );
    assert.equal(depth[0].unit, 'None');
    const wide = all.filter((d) => d.namespace === 'Tocsin/Wide');
    assert.equal(wide.length, 120);
    assert.deepEqual(wide[0].dimensions, {
      LogGroup: 'checkout-svc-metrics',
      ServiceName: 'checkout-svc',
      ServiceType: 'Lambda',
    });
    assert.equal(wide.find((d) => d.name === 'm7')?.sum, 7);
  });
});
