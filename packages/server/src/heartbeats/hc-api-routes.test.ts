import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Tocsin } from '../app.js';
import { FakeClock } from '../core/clock.js';
import { call, createTestApp } from '../test-support/test-app.js';
import { testDatabases } from '../test-support/test-databases.js';
import { channelIdOf, uniqueKeyOf } from './hc-api-mapping.js';

/** The fields of a check as Healthchecks' read-write key shows it (its API docs and Check.to_dict). */
const CHECK_FIELDS = [
  'name',
  'slug',
  'tags',
  'desc',
  'grace',
  'n_pings',
  'status',
  'started',
  'last_ping',
  'next_ping',
  'manual_resume',
  'methods',
  'subject',
  'subject_fail',
  'start_kw',
  'success_kw',
  'failure_kw',
  'filter_subject',
  'filter_body',
  'filter_http_body',
  'filter_default_fail',
  'badge_url',
  'uuid',
  'ping_url',
  'update_url',
  'pause_url',
  'resume_url',
  'channels',
];

for (const variant of await testDatabases()) {
  describe(`Healthchecks Management API on ${variant.name}`, () => {
    let tocsin: Tocsin;
    let dispose: () => Promise<void>;
    let clock: FakeClock;
    const keys: Record<string, string> = {};

    before(async () => {
      clock = new FakeClock(Date.parse('2026-06-01T12:00:00Z'));
      ({ tocsin, dispose } = await createTestApp(variant.name, { clock }));
      for (const scope of ['admin', 'read', 'ingest'] as const)
        keys[scope] = (await tocsin.tokens.create(`hc-${scope}`, scope)).token;
      await tocsin.topics.create(
        tocsin.topics.parseTopic({
          name: 'ops',
          subscriptions: [{ protocol: 'webhook', endpoint: 'http://127.0.0.1:9/hook' }],
        }),
      );
      await tocsin.topics.create(
        tocsin.topics.parseTopic({
          name: 'oncall',
          subscriptions: [{ protocol: 'pagerduty', routingKey: 'R0UTINGKEY' }],
        }),
      );
    });
    after(() => dispose());

    async function api(method: string, path: string, body?: unknown, key: string | null = keys.admin) {
      const headers: Record<string, string> = {};
      if (key !== null) headers['x-api-key'] = key;
      const res = await tocsin.http.request(`/api/v3${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      let json: any;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: res.status, json, text, type: res.headers.get('content-type') };
    }
    const ping = (path: string, body?: string) =>
      tocsin.http.request(`/ping/${path}`, body === undefined ? {} : { method: 'POST', body });

    it(
      'answers 401 with Healthchecks’ bodies without a key, with ' +
        'a wrong one, and with a token whose scope does not fit',
      async () => {
        assert.deepEqual((await api('GET', '/checks/', undefined, null)).json, { error: 'missing api key' });
        assert.equal((await api('GET', '/checks/', undefined, null)).status, 401);
        assert.deepEqual((await api('GET', '/checks/', undefined, 'tcn_not-a-real-token')).json, {
          error: 'wrong api key',
        });
        const readWrite = await api('POST', '/checks/', { name: 'x' }, keys.read);
        assert.equal(readWrite.status, 401);
        assert.match(readWrite.json.error, /^wrong api key: .*'admin' scope/);
        assert.equal((await api('GET', '/checks/', undefined, keys.ingest)).status, 401);
        const bearer = await tocsin.http.request('/api/v3/checks/', {
          headers: { authorization: `Bearer ${keys.admin}` },
        });
        assert.equal(bearer.status, 401, 'the key goes in X-Api-Key, as in Healthchecks');
        const inBody = await api('POST', '/checks/', { api_key: keys.admin, name: 'key-in-body', timeout: 3600 }, null);
        assert.equal(inBody.status, 201, 'a POST may carry api_key in its JSON body');
        assert.equal((await api('DELETE', `/checks/${inBody.json.uuid}`)).status, 200);
      },
    );

    it(
      'creates a check (201) with Healthchecks’ fields, mapped ' +
        'onto a heartbeat whose ping UUID is the check’s uuid',
      async () => {
        const res = await api('POST', '/checks/', {
          name: 'Backups',
          tags: 'prod www',
          timeout: 3600,
          grace: 60,
          desc: 'nightly dump',
          channels: 'ops',
        });
        assert.equal(res.status, 201);
        const c = res.json;
        assert.deepEqual(Object.keys(c).sort(), [...CHECK_FIELDS, 'timeout'].sort());
        assert.equal(c.name, 'Backups');
        assert.equal(c.slug, 'backups');
        assert.equal(c.tags, 'prod www');
        assert.equal(c.desc, 'nightly dump');
        assert.equal(c.timeout, 3600);
        assert.equal(c.grace, 60);
        assert.equal(c.status, 'new');
        assert.equal(c.started, false);
        assert.equal(c.n_pings, 0);
        assert.equal(c.last_ping, null);
        assert.equal(c.methods, '');
        assert.equal(c.channels, channelIdOf('ops'));
        assert.match(c.uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        assert.equal(c.ping_url, `http://tocsin.test/ping/${c.uuid}`);
        assert.equal(c.update_url, `http://tocsin.test/api/v3/checks/${c.uuid}`);
        assert.equal(c.pause_url, `${c.update_url}/pause`);
        assert.equal(c.resume_url, `${c.update_url}/resume`);
        const hb = tocsin.heartbeats.get('Backups');
        assert.equal(hb.row.pingUuid, c.uuid);
        assert.equal(hb.spec.period, 3_600_000);
        assert.equal(hb.spec.grace, 60_000);
        assert.deepEqual(hb.spec.tags, { prod: '', www: '' });
        assert.deepEqual(hb.spec.topics, ['ops']);
        assert.equal((await ping(c.uuid)).status, 200, 'the uuid pings the heartbeat');
        assert.equal((await api('GET', `/checks/${c.uuid}`)).json.n_pings, 1);
      },
    );

    it('with unique, finds and updates the matching check (200) instead of creating another', async () => {
      const first = await api('POST', '/checks/', { name: 'Reports', timeout: 600, unique: ['name'] });
      assert.equal(first.status, 201);
      const again = await api('POST', '/checks/', { name: 'Reports', timeout: 900, tags: 'finance', unique: ['name'] });
      assert.equal(again.status, 200);
      assert.equal(again.json.uuid, first.json.uuid);
      assert.equal(again.json.timeout, 900);
      assert.equal(again.json.tags, 'finance');
      const byTimeout = await api('POST', '/checks/', { name: 'Reports', timeout: 1200, unique: ['name', 'timeout'] });
      assert.equal(byTimeout.status, 201, 'no check has this name and timeout');
      assert.notEqual(byTimeout.json.uuid, first.json.uuid);
      const missing = await api('POST', '/checks/', { timeout: 1200, unique: ['name'] });
      assert.equal(missing.status, 201, 'a unique field absent from the body matches nothing');
      assert.equal(missing.json.name, '', 'the name defaults to empty, as in Healthchecks');
    });

    it('keeps free-text names (spaces, duplicates) as Healthchecks does', async () => {
      const a = await api('POST', '/checks/', { name: 'Filesystem Backup', timeout: 3600 });
      const b = await api('POST', '/checks/', { name: 'Filesystem Backup', timeout: 3600 });
      assert.equal(a.status, 201);
      assert.equal(b.status, 201);
      assert.equal(a.json.name, 'Filesystem Backup');
      assert.equal(b.json.name, 'Filesystem Backup');
      assert.notEqual(a.json.uuid, b.json.uuid);
      assert.notEqual(a.json.slug, b.json.slug);
      assert.equal(tocsin.heartbeats.get('Filesystem-Backup').spec.displayName, 'Filesystem Backup');
      // Checks made through this API are heartbeats like any other: exported, they apply back unchanged.
      const exported = (await call(tocsin, 'GET', '/api/config/export')).json.config;
      const mine = exported.heartbeats.find((h: any) => h.name === 'Filesystem-Backup');
      assert.equal(mine.displayName, 'Filesystem Backup');
      const plan = await call(tocsin, 'POST', '/api/config/apply', {
        config: { version: 1, heartbeats: exported.heartbeats },
        dryRun: true,
      });
      assert.equal(plan.status, 200, plan.text);
      assert.deepEqual(plan.json.changes, []);
    });

    it('refuses bad input with a 400 naming the field, never a 500', async () => {
      const cases: [unknown, RegExp][] = [
        [{ timeout: 59 }, /^json validation error: timeout is too small$/],
        [{ grace: 31_536_001 }, /^json validation error: grace is too large$/],
        [{ timeout: 'soon' }, /^json validation error: timeout is not a number$/],
        [{ timeout: 90.5 }, /^json validation error: timeout is not a number$/],
        [{ name: 12 }, /^json validation error: name is not a string$/],
        [{ name: null }, /^json validation error: name is not a string$/],
        [{ name: 'n'.repeat(101) }, /^json validation error: name is too long$/],
        [{ slug: 'Not Valid' }, /^json validation error: slug does not match pattern$/],
        [{ manual_resume: 'yes' }, /^json validation error: manual_resume is not a boolean$/],
        [{ methods: 'GET' }, /^json validation error: methods has unexpected value$/],
        [{ methods: 'POST' }, /^json validation error: methods must be "": /],
        [{ filter_http_body: true }, /^json validation error: filter_http_body must be false/],
        [{ success_kw: 'OK' }, /^json validation error: success_kw must be ""/],
        [{ unique: 'name' }, /^json validation error: unique is not an array$/],
        [{ unique: ['desc'] }, /^json validation error: an item in 'unique' has unexpected value$/],
        [{ tz: 'Mars/Olympus' }, /^json validation error: tz is not a valid timezone$/],
        [{ schedule: '*-*~1 12:00' }, /^json validation error: schedule is not a valid cron or OnCalendar expression/],
        [{ schedule: '61 * * * *' }, /^json validation error: schedule: /],
        [{ channels: 'nope' }, /^invalid channel identifier: nope$/],
        [{ channels: 'ops,' }, /^empty channel identifier$/],
        [{ tags: 't'.repeat(65) }, /^json validation error: tags/],
        [{ desc: 'd'.repeat(1025) }, /^json validation error: desc is too long$/],
        ['{"name": ', /^could not parse request body$/],
        ['[1]', /^json validation error: value is not an object$/],
        ['"text"', /^json validation error: value is not an object$/],
        ['{"name":"nul\\u0000"}', /./],
      ];
      for (const [body, message] of cases) {
        const res = await api('POST', '/checks/', body);
        if (typeof body === 'string' && body.includes('\\u0000')) {
          assert.ok(res.status === 201 || res.status === 400, `a NUL in a name: ${res.status} ${res.text}`);
          continue;
        }
        assert.equal(res.status, 400, `${JSON.stringify(body)}: ${res.text}`);
        assert.match(res.json.error, message, JSON.stringify(body));
        assert.deepEqual(Object.keys(res.json), ['error']);
      }
    });

    it('answers every odd value of every field with a 2xx or a 400, never a 500', async () => {
      const fields = [
        'name',
        'slug',
        'tags',
        'desc',
        'timeout',
        'grace',
        'schedule',
        'tz',
        'manual_resume',
        'methods',
        'channels',
        'unique',
        'success_kw',
        'filter_body',
      ];
      const values = [null, true, 0, -1, 1e308, 3600, '', 'x y', 'nul\u0000', [], ['name'], {}];
      const target = (await api('POST', '/checks/', { name: 'fuzz-target', timeout: 3600 })).json.uuid;
      for (const field of fields) {
        for (const value of values) {
          for (const path of ['/checks/', `/checks/${target}`]) {
            const res = await api('POST', path, { name: `fuzz-${field}`, [field]: value });
            assert.ok(
              res.status < 500 && (res.status < 300 || res.status === 400),
              `${path} ${field}=${JSON.stringify(value)}: ${res.status} ${res.text}`,
            );
            if (res.status === 400) assert.equal(typeof res.json.error, 'string');
          }
        }
      }
    });

    it('updates only the given fields; a schedule turns it into a cron check', async () => {
      const created = (await api('POST', '/checks/', { name: 'etl', timeout: 3600, grace: 300, tags: 'data' })).json;
      const res = await api('POST', `/checks/${created.uuid}`, {
        schedule: '0 3 * * *',
        tz: 'Asia/Tokyo',
        timeout: 60,
      });
      assert.equal(res.status, 200);
      assert.equal(res.json.schedule, '0 3 * * *');
      assert.equal(res.json.tz, 'Asia/Tokyo');
      assert.equal(res.json.timeout, undefined, 'the schedule wins over a timeout given with it');
      assert.equal(res.json.grace, 300);
      assert.equal(res.json.tags, 'data');
      assert.equal(tocsin.heartbeats.get('etl').spec.cron, '0 3 * * *');
      const back = await api('POST', `/checks/${created.uuid}`, { timeout: 7200, channels: '*' });
      assert.equal(back.json.timeout, 7200);
      assert.equal(back.json.schedule, undefined);
      assert.equal(back.json.channels, [channelIdOf('ops'), channelIdOf('oncall')].sort().join(','));
      const none = await api('POST', `/checks/${created.uuid}`, { channels: '' });
      assert.equal(none.json.channels, '');
      const renamed = await api('POST', `/checks/${created.uuid}`, { name: 'ETL nightly', slug: 'etl-nightly' });
      assert.equal(renamed.json.name, 'ETL nightly');
      assert.equal(renamed.json.slug, 'etl-nightly');
      assert.equal(renamed.json.uuid, created.uuid);
      assert.equal((await api('POST', `/checks/${created.uuid}`, { grace: 1 })).status, 400);
      const taken = await api('POST', '/checks/', { name: 'other', slug: 'etl-nightly', timeout: 3600 });
      assert.equal(taken.status, 400, 'slugs are unique in Tocsin');
      assert.match(taken.json.error, /slug/);
      assert.equal((await api('POST', `/checks/${created.uuid}`, { slug: 'backups' })).status, 400);
      assert.equal((await api('POST', '/checks/5bf66975-d4c7-4bf5-bcc8-b8d8a82ea278', { grace: 60 })).status, 404);
    });

    it('lists checks filtered by tags and slug; a read token sees unique_key instead of uuid and URLs', async () => {
      const made = (
        await api('POST', '/checks/', { name: 'tagged', slug: 'tagged-job', tags: 'alpha beta', timeout: 3600 })
      ).json;
      await api('POST', '/checks/', { name: 'tagged-other', tags: 'alpha', timeout: 3600 });
      const both = await api('GET', '/checks/?tag=alpha&tag=beta');
      assert.deepEqual(
        both.json.checks.map((c: any) => c.name),
        ['tagged'],
      );
      assert.equal((await api('GET', '/checks/?tag=alpha')).json.checks.length, 2);
      assert.deepEqual(
        (await api('GET', '/checks/?slug=tagged-job')).json.checks.map((c: any) => c.uuid),
        [made.uuid],
      );
      assert.deepEqual((await api('GET', '/checks/?slug=nothing')).json.checks, []);
      const ro = await api('GET', '/checks/?slug=tagged-job', undefined, keys.read);
      assert.equal(ro.status, 200);
      const c = ro.json.checks[0];
      for (const hidden of ['uuid', 'ping_url', 'update_url', 'pause_url', 'resume_url', 'channels'])
        assert.equal(c[hidden], undefined, hidden);
      assert.equal(c.unique_key, uniqueKeyOf(made.uuid));
      assert.match(c.unique_key, /^[0-9a-f]{40}$/);
      const byKey = await api('GET', `/checks/${c.unique_key}`, undefined, keys.read);
      assert.equal(byKey.json.name, 'tagged');
      assert.equal((await api('GET', `/checks/${made.uuid}`)).json.uuid, made.uuid);
      assert.equal(
        (await api('GET', `/checks/${made.uuid.toUpperCase()}`)).status,
        404,
        'an upper-case uuid is no route in Healthchecks',
      );
      assert.equal((await api('GET', '/checks/5bf66975-d4c7-4bf5-bcc8-b8d8a82ea278')).status, 404);
      assert.deepEqual((await api('GET', '/checks/not-a-uuid')).json, { error: 'not found' });
      assert.equal((await api('GET', `/checks/${'a'.repeat(40)}`)).status, 404);
    });

    it('pauses, resumes (409 when not paused) and lists pings, a ping body and flips', async () => {
      const c = (await api('POST', '/checks/', { name: 'runs', timeout: 3600, grace: 60 })).json;
      const rid = '123e4567-e89b-12d3-a456-426614174000';
      assert.equal((await ping(`${c.uuid}/start?rid=${rid}`)).status, 200);
      clock.advance(2_500);
      assert.equal((await ping(`${c.uuid}?rid=${rid}`, 'backup done: 42 files')).status, 200);
      const shown = (await api('GET', `/checks/${c.uuid}`)).json;
      assert.equal(shown.status, 'up');
      assert.equal(shown.n_pings, 2);
      assert.equal(shown.last_ping, '2026-06-01T12:00:02+00:00');
      assert.equal(shown.next_ping, '2026-06-01T13:00:02+00:00');

      const pings = await api('GET', `/checks/${c.uuid}/pings/`);
      assert.equal(pings.status, 200);
      const [success, start] = pings.json.pings;
      assert.equal(success.type, 'success');
      assert.equal(start.type, 'start');
      assert.equal(success.date, '2026-06-01T12:00:02.500000+00:00');
      assert.equal(start.date, '2026-06-01T12:00:00+00:00');
      assert.equal(success.rid, rid);
      assert.equal(success.duration, 2.5);
      assert.equal(start.duration, undefined);
      assert.equal(success.method, 'POST');
      assert.ok(Number.isSafeInteger(success.n) && success.n > start.n);
      assert.equal(start.body_url, null);
      assert.equal(success.body_url, `http://tocsin.test/api/v3/checks/${c.uuid}/pings/${success.n}/body`);
      const body = await api('GET', `/checks/${c.uuid}/pings/${success.n}/body`);
      assert.equal(body.status, 200);
      assert.match(body.type!, /^text\/plain/);
      assert.equal(body.text, 'backup done: 42 files');
      assert.equal((await api('GET', `/checks/${c.uuid}/pings/${start.n}/body`)).status, 404, 'no body');
      assert.equal((await api('GET', `/checks/${c.uuid}/pings/12/body`)).status, 404);

      clock.advance(60_000);
      const paused = await api('POST', `/checks/${c.uuid}/pause`, '');
      assert.equal(paused.status, 200);
      assert.equal(paused.json.status, 'paused');
      assert.equal(paused.json.next_ping, null);
      assert.equal(paused.json.started, false);
      assert.equal(
        (await api('POST', `/checks/${c.uuid}/pause`)).json.status,
        'paused',
        'pausing a paused check changes nothing',
      );
      clock.advance(60_000);
      const resumed = await api('POST', `/checks/${c.uuid}/resume`);
      assert.equal(resumed.status, 200);
      assert.notEqual(resumed.json.status, 'paused');
      const again = await api('POST', `/checks/${c.uuid}/resume`);
      assert.equal(again.status, 409);
      assert.deepEqual(again.json, { error: 'check is not paused' });

      const flips = await api('GET', `/checks/${c.uuid}/flips/`);
      assert.equal(flips.status, 200);
      assert.deepEqual(
        flips.json.flips.map((f: any) => f.up),
        [1, 0, 1],
        'resumed (up again), paused, first success',
      );
      assert.equal(flips.json.flips[2].timestamp, '2026-06-01T12:00:02+00:00');
      const recent = await api('GET', `/checks/${c.uuid}/flips/?seconds=90`);
      assert.equal(recent.json.flips.length, 2);
      const bounded = await api(
        'GET',
        `/checks/${c.uuid}/flips/?start=${Date.parse('2026-06-01T12:00:00Z') / 1000}` +
          `&end=${Date.parse('2026-06-01T12:01:00Z') / 1000}`,
      );
      assert.equal(bounded.json.flips.length, 1);
      const ro = await api('GET', `/checks/${uniqueKeyOf(c.uuid)}/flips/`, undefined, keys.read);
      assert.equal(ro.json.flips.length, 3);
      for (const q of ['seconds=-1', 'seconds=abc', 'start=99999999999', 'end=1.5']) {
        const bad = await api('GET', `/checks/${c.uuid}/flips/?${q}`);
        assert.equal(bad.status, 400, q);
        assert.match(bad.json.error, new RegExp(`^${q.split('=')[0]}: `));
      }
    });

    it('lists topics as channels, and deletes a check answering with what it was', async () => {
      const channels = await api('GET', '/channels/');
      assert.equal(channels.status, 200);
      assert.deepEqual(channels.json.channels, [
        { id: channelIdOf('oncall'), name: 'oncall', kind: 'pd' },
        { id: channelIdOf('ops'), name: 'ops', kind: 'webhook' },
      ]);
      const c = (await api('POST', '/checks/', { name: 'doomed', timeout: 3600, channels: channelIdOf('oncall') }))
        .json;
      assert.deepEqual(tocsin.heartbeats.get('doomed').spec.topics, ['oncall']);
      const gone = await api('DELETE', `/checks/${c.uuid}`);
      assert.equal(gone.status, 200);
      assert.equal(gone.json.uuid, c.uuid);
      assert.equal(gone.json.name, 'doomed');
      assert.equal((await api('GET', `/checks/${c.uuid}`)).status, 404);
      assert.equal((await ping(c.uuid)).status, 404);
      assert.equal((await api('DELETE', `/checks/${c.uuid}`)).status, 404);
      assert.equal((await api('DELETE', `/checks/${c.uuid}`, undefined, keys.read)).status, 401);
    });

    it('serves the v1 and v2 paths too, and answers unknown API paths with a 404 body', async () => {
      const v1 = await tocsin.http.request('/api/v1/checks/', { headers: { 'x-api-key': keys.admin } });
      assert.equal(v1.status, 200);
      const first = ((await v1.json()) as { checks: { update_url: string }[] }).checks[0];
      assert.match(first.update_url, /\/api\/v1\/checks\//);
      const unknown = await api('GET', '/nothing/');
      assert.equal(unknown.status, 404);
      assert.deepEqual(unknown.json, { error: 'not found' });
      assert.equal(
        (await api('PUT', '/checks/', {})).status,
        405,
        'a known path with another method, as Healthchecks answers',
      );
      const options = await tocsin.http.request('/api/v3/checks/', { method: 'OPTIONS' });
      assert.equal(options.status, 204);
      assert.equal(options.headers.get('access-control-allow-headers'), 'X-Api-Key');
    });
  });
}
