import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CLI_ADMIN_TOKEN, closedPort, runTocsin, spawnTocsin, startCliServer } from '../test-support/cli-harness.js';
import { HttpReceiver } from '../test-support/http-receiver.js';
import { commands } from './command-registry.js';

type Harness = Awaited<ReturnType<typeof startCliServer>>;

/** Runs each argv through the CLI in this process, as main.ts does; returns exit code and output per argv. */
async function throughRegistry(argvs: string[][]): Promise<{ code: number; stdout: string; stderr: string }[]> {
  return Promise.all(argvs.map((argv) => runTocsin(argv, {})));
}

describe('every command and verb answers --help', () => {
  it('walks the registry: each command, then each verb its usage names', async () => {
    const names = Object.keys(commands);
    const tops = await throughRegistry(names.map((name) => [name, '--help']));
    const verbs: string[][] = [];
    for (const [i, name] of names.entries()) {
      assert.equal(tops[i].code, 0, `tocsin ${name} --help: ${tops[i].stderr}`);
      assert.match(tops[i].stdout, new RegExp(`^usage: tocsin ${name}\\b`), `tocsin ${name} --help`);
      for (const verb of new Set(
        [...tops[i].stdout.matchAll(new RegExp(`tocsin ${name} ([a-z][a-z-]*)`, 'g'))].map((m) => m[1]),
      ))
        verbs.push([name, verb]);
    }
    const subs = await throughRegistry(verbs.map(([name, verb]) => [name, verb, '--help']));
    for (const [i, [name, verb]] of verbs.entries()) {
      assert.equal(subs[i].code, 0, `tocsin ${name} ${verb} --help: ${subs[i].stderr}`);
      // A verb prints its own usage, or its command's, which names the verb.
      assert.match(
        subs[i].stdout,
        new RegExp(`^usage: tocsin ${name}\\b`),
        `tocsin ${name} ${verb} --help: ${subs[i].stdout}`,
      );
      assert.match(
        subs[i].stdout,
        new RegExp(`tocsin ${name} ${verb}\\b`),
        `tocsin ${name} ${verb} --help: ${subs[i].stdout}`,
      );
    }
    const walked = [...names, ...verbs.map((v) => v.join(' '))];
    for (const expected of [
      'topics show',
      'subscriptions test',
      'monitors pause',
      'monitors resume',
      'heartbeats show',
      'heartbeats pause',
      'heartbeats resume',
      'alarms set-state',
      'metrics put',
      'metrics query',
      'validate',
      'tokens create',
      'deliveries replay',
    ]) {
      assert.ok(walked.includes(expected), `${expected} was walked: ${walked.join(', ')}`);
    }
    // And through the real binary: the top-level usage lists every command, and a verb's --help exits 0.
    const [top, verb] = await Promise.all([spawnTocsin(['--help'], {}), spawnTocsin(['metrics', 'put', '--help'], {})]);
    assert.equal(top.code, 0);
    for (const name of names) assert.match(top.stdout, new RegExp(`\\n  ${name} +\\S`), `tocsin --help lists ${name}`);
    assert.equal(verb.code, 0, verb.stderr);
    assert.match(verb.stdout, /^usage: tocsin metrics put --namespace NS/);
  });
});

describe('the CLI verbs against a running server', () => {
  let h: Harness;
  let hooks: HttpReceiver;

  const api = async (method: string, pathname: string, body?: unknown) => {
    const res = await fetch(h.url + pathname, {
      method,
      headers: {
        authorization: `Bearer ${CLI_ADMIN_TOKEN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as any;
    assert.ok(res.ok, `${method} ${pathname}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };

  before(async () => {
    [h, hooks] = await Promise.all([startCliServer(), new HttpReceiver().start()]);
    hooks.respond = (r) =>
      r.path === '/broken' ? { status: 500, body: 'receiver is down' } : { status: 200, body: 'ok' };
    await api('POST', '/api/topics', {
      name: 'ops',
      displayName: 'Operations',
      subscriptions: [
        { protocol: 'webhook', name: 'hook', endpoint: `${hooks.url}/hook` },
        { protocol: 'webhook', name: 'broken', endpoint: `${hooks.url}/broken`, retry: { maxAttempts: 1 } },
        { protocol: 'email', name: 'mail', endpoint: 'oncall@example.com' },
      ],
    });
    await api('POST', '/api/monitors', {
      name: 'self',
      type: 'http',
      url: `${h.url}/healthz`,
      interval: '1m',
      topics: ['ops'],
    });
    await api('POST', '/api/heartbeats', { name: 'nightly', period: '1d', grace: '1h' });
    await api('POST', '/api/alarms', {
      name: 'disk',
      namespace: 'Tocsin/Host',
      metricName: 'disk_used_percent',
      dimensions: { Host: 'web-1' },
      statistic: 'Maximum',
      period: '1m',
      evaluationPeriods: 1,
      threshold: 70,
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });
  after(async () => {
    await h?.close();
    await hooks?.stop();
  });

  it('lists with the noun alone, as with list', async () => {
    const nouns: [string, RegExp][] = [
      ['monitors', /^NAME +STATE +TYPE .*\nself +\S+ +http +http:\/\/127\.0\.0\.1:\d+\/healthz/],
      ['heartbeats', /^NAME +STATE .*\nnightly +NEW/],
      ['alarms', /^NAME +STATE .*\ndisk +INSUFFICIENT_DATA/],
      ['topics', /^NAME +DISPLAY NAME +SUBSCRIPTIONS +CONFIRMED +PENDING\nops +Operations +3 +2 +1\n$/],
      [
        'subscriptions',
        new RegExp(
          String.raw`^SUBSCRIPTION +PROTOCOL +STATE +DESTINATION\n` +
            String.raw`ops/broken +webhook +confirmed +http://127\.0\.0\.1:\d+/broken\n` +
            String.raw`ops/hook +webhook +confirmed +\S+/hook\n` +
            String.raw`ops/mail +email +pending +oncall@example\.com\n$`,
        ),
      ],
      ['metrics', /^NAMESPACE +NAME +DIMENSIONS +UNIT\n/],
      ['tokens', /^NAME +SCOPE +TOKEN/],
      ['deliveries', /^ID +STATUS +SUBSCRIPTION/],
    ];
    const runs = await Promise.all(nouns.map(([noun]) => h.cli([noun])));
    for (const [i, [noun, pattern]] of nouns.entries()) {
      assert.equal(runs[i].code, 0, `${noun}: ${runs[i].stderr}`);
      assert.match(runs[i].stdout, pattern, `tocsin ${noun}:\n${runs[i].stdout}`);
    }
    const list = await h.cli(['monitors', 'list']);
    // The same columns (their widths follow the rows, and a monitor may have been checked in between).
    const header = (out: string) => out.split('\n')[0].split(/\s+/);
    assert.deepEqual(header(list.stdout), header(runs[0].stdout));
  });

  it('cluster status shows the one node of a SQLite server and what it runs', async () => {
    const r = await h.cli(['cluster']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines[0], 'one node (SQLite): it runs everything');
    assert.match(lines[1], /^NODE +ADDRESS +STATE +VERSION +PARTITIONS +MONITORS +HEARTBEATS +ALARMS +LAG P99 +SEEN$/);
    assert.match(lines[2], /^\S+ \* +127\.0\.0\.1:\d+ +alive +\d+\.\d+\.\d+ +1 +1 +1 +1 +/);
    const json = JSON.parse((await h.cli(['cluster', 'status', '--json'])).stdout);
    assert.equal(json.mode, 'single');
    assert.equal(json.nodes.length, 1);
    assert.equal(json.nodes[0].owns['monitor-check'], 1);
  });

  it('topics show prints each subscription with its state', async () => {
    const r = await h.cli(['topics', 'show', 'ops']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines[0], 'ops (Operations): 3 subscriptions');
    assert.match(lines[2], /^SUBSCRIPTION +PROTOCOL +STATE +DESTINATION +LAST DELIVERY$/);
    assert.match(r.stdout, /\nhook +webhook +confirmed +http:\/\/127\.0\.0\.1:\d+\/hook +-\n/);
    assert.match(r.stdout, /\nmail +email +pending +oncall@example\.com +/);
    const json = JSON.parse((await h.cli(['topics', 'show', 'ops', '--json'])).stdout);
    assert.deepEqual(
      json.subscriptions.map((s: { name: string; status: string }) => `${s.name}:${s.status}`),
      ['broken:confirmed', 'hook:confirmed', 'mail:pending'],
    );
    const missing = await h.cli(['topics', 'show', 'nope']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^tocsin: GET \/api\/topics\/nope: 404 /);
  });

  it('subscriptions test sends one subscription a test notification and says how it went', async () => {
    const [ok, broken, pending, malformed] = await Promise.all([
      h.cli(['subscriptions', 'test', 'ops/hook']),
      h.cli(['subscriptions', 'test', 'ops/broken']),
      h.cli(['subscriptions', 'test', 'ops/mail']),
      h.cli(['subscriptions', 'test', 'ops']),
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^test notification delivered to ops\/hook \(delivery \S+\)\n$/);
    assert.deepEqual(
      hooks.requests.map((r) => [r.path, r.json().event.kind]),
      [['/hook', 'test']],
      'only that subscription received it',
    );
    assert.equal(broken.code, 1);
    assert.match(
      broken.stderr,
      /^tocsin: test notification to ops\/broken failed: .*500.* \(dead letter\) \(delivery \S+\)\n$/,
    );
    assert.equal(pending.code, 1);
    assert.match(pending.stderr, /409 subscription 'ops\/mail' is pending/);
    assert.equal(malformed.code, 2);
    assert.match(malformed.stderr, /'ops' is not TOPIC\/SUBSCRIPTION/);
    const shown = await h.cli(['topics', 'show', 'ops']);
    assert.match(shown.stdout, /\nhook +webhook +confirmed +\S+ +delivered \d+s ago\n/);
    assert.match(shown.stdout, /\nbroken +webhook +confirmed +\S+ +dead \d+s ago: .*500/);
  });

  it('pauses and resumes a monitor and a heartbeat, and shows both (the monitor with its state changes)', async () => {
    const [mp, hp] = await Promise.all([
      h.cli(['monitors', 'pause', 'self']),
      h.cli(['heartbeats', 'pause', 'nightly']),
    ]);
    assert.equal(mp.stdout, "monitor 'self' paused (PAUSED)\n", mp.stderr);
    assert.equal(hp.stdout, "heartbeat 'nightly' paused (PAUSED)\n", hp.stderr);
    assert.equal((await api('GET', '/api/monitors/self')).settings.paused, true);
    assert.equal((await api('GET', '/api/heartbeats/nightly')).state, 'PAUSED');
    const [mr, hr] = await Promise.all([
      h.cli(['monitors', 'resume', 'self']),
      h.cli(['heartbeats', 'resume', 'nightly']),
    ]);
    assert.match(mr.stdout, /^monitor 'self' resumed \(\S+\)\n$/, mr.stderr);
    assert.match(hr.stdout, /^heartbeat 'nightly' resumed \(\S+\)\n$/, hr.stderr);
    assert.equal((await api('GET', '/api/monitors/self')).settings.paused, false);
    await fetch(`${(await api('GET', '/api/heartbeats/nightly')).pingUrl}/0`, { method: 'POST', body: 'backup done' });
    const show = await h.cli(['heartbeats', 'show', 'nightly']);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /^nightly +UP\b.*\n {2}every 1d, grace 1h\n/);
    assert.match(show.stdout, /ping URL http:\/\/127\.0\.0\.1:\d+\/ping\/[0-9a-f-]{36}\n/);
    assert.match(show.stdout, /\nTIME +KIND +EXIT +DURATION +BODY\n\S+ +success +0 +- +backup done\n/);
    // The pause and the resume are recorded when the next flush (every 5 s) writes the monitor's state.
    let shown = '';
    for (
      const deadline = Date.now() + 15_000;
      Date.now() < deadline && !/\n\S+ +PAUSED +\S+ +resumed\n/.test(shown);
    ) {
      shown = (await h.cli(['monitors', 'show', 'self'])).stdout;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.match(shown, /\nCHANGED +FROM +TO +REASON\n/);
    assert.match(shown, /\n\S+ +PAUSED +(UP|PENDING) +resumed\n\S+ +(UP|PENDING) +PAUSED +paused\n/);
    const unknown = await h.cli(['monitors', 'pause', 'nope']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /404/);
  });

  it('alarms set-state sets the state by hand, with a reason', async () => {
    const [set, noReason, badState] = await Promise.all([
      h.cli(['alarms', 'set-state', 'disk', 'ALARM', '--reason', 'testing the pager']),
      h.cli(['alarms', 'set-state', 'disk', 'ALARM']),
      h.cli(['alarms', 'set-state', 'disk', 'RED', '--reason', 'x']),
    ]);
    assert.equal(set.stdout, "alarm 'disk' is ALARM: Set by hand: testing the pager\n", set.stderr);
    assert.equal((await api('GET', '/api/alarms/disk')).state, 'ALARM');
    assert.equal(noReason.code, 2);
    assert.match(noReason.stderr, /--reason/);
    assert.equal(badState.code, 2);
    assert.match(badState.stderr, /'RED' is not one of OK, ALARM, INSUFFICIENT_DATA/);
  });

  it('metrics put stores a datapoint that metrics query and list show', async () => {
    const put = await h.cli([
      'metrics',
      'put',
      '--namespace',
      'Tocsin/Host',
      '--name',
      'disk_used_percent',
      '-d',
      'Host=web-1',
      '--value',
      '71.5',
      '--unit',
      'Percent',
    ]);
    assert.equal(put.code, 0, put.stderr);
    assert.equal(put.stdout, 'put Tocsin/Host disk_used_percent {Host=web-1} = 71.5\n');
    const [query, list, other, bad] = await Promise.all([
      h.cli([
        'metrics',
        'query',
        '--namespace',
        'Tocsin/Host',
        '--name',
        'disk_used_percent',
        '-d',
        'Host=web-1',
        '--statistic',
        'Maximum',
        '--last',
        '5m',
        '--json',
      ]),
      h.cli(['metrics', 'list']),
      h.cli([
        'metrics',
        'query',
        '--namespace',
        'Tocsin/Host',
        '--name',
        'disk_used_percent',
        '-d',
        'Host=web-2',
        '--last',
        '5m',
      ]),
      h.cli(['metrics', 'put', '--namespace', 'Tocsin/Host', '--name', 'x', '--value', 'full']),
    ]);
    assert.equal(query.code, 0, query.stderr);
    const { datapoints } = JSON.parse(query.stdout) as { datapoints: { value: number | null }[] };
    assert.equal(datapoints.length, 5);
    assert.deepEqual(
      datapoints.map((d) => d.value).filter((v) => v !== null),
      [71.5],
    );
    assert.match(list.stdout, /\nTocsin\/Host +disk_used_percent +Host=web-1 +Percent\n/);
    assert.match(other.stdout, /^TIME +AVERAGE\n(\S+ +-\n){5}$/, 'another series has no data');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--value 'full' is not a number/);
  });

  it('validate checks a file offline with the server’s own checks, at file:line', async () => {
    const good = path.join(h.dir, 'good.yaml');
    writeFileSync(
      good,
      'version: 1\ntopics:\n  - name: ops\n' +
        'monitors:\n  - name: web\n    type: http\n    url: http://127.0.0.1:9/\n    topics: [ops]\n',
    );
    const bad = path.join(h.dir, 'bad.yaml');
    writeFileSync(
      bad,
      [
        'version: 1', // 1
        'topics:', // 2
        '  - name: ops', // 3
        '  - name: ops', // 4
        'monitors:', // 5
        '  - name: web', // 6
        '    type: http', // 7
        '    url: http://127.0.0.1:9/', // 8
        '    topics: [ops]', // 9
        '',
      ].join('\n'),
    );
    const unknownField = path.join(h.dir, 'unknown.yaml');
    writeFileSync(unknownField, 'version: 1\ntopics:\n  - name: ops\n    colour: red\n');
    const offline = { TOCSIN_URL: `http://127.0.0.1:${await closedPort()}`, TOCSIN_TOKEN: undefined };
    const [ok, dup, unknown, missing] = await Promise.all([
      h.cli(['validate', '-f', good], offline),
      h.cli(['validate', '-f', bad], offline),
      h.cli(['validate', '-f', unknownField], offline),
      h.cli(['validate', '-f', path.join(h.dir, 'nope.yaml')], offline),
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout, `${good}: valid (1 topic, 1 monitor)\n`);
    assert.equal(dup.code, 1);
    assert.equal(
      dup.stderr,
      `${bad}:4: topics.1.name: topic 'ops' is declared twice\n`,
      'a check the server makes, not the schema',
    );
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr, `${unknownField}:4: topics.0.colour: unknown field\n`);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /nope\.yaml:0: cannot read the file: ENOENT/);
  });
});
