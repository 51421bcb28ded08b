import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Tocsin } from '../app.js';
import { FakeClock } from '../core/clock.js';
import { createTestApp, TEST_ADMIN_TOKEN } from '../test-support/test-app.js';
import { SETUP_CODE_FILE } from './setup-service.js';

const cheap = { scrypt: { N: 1024, r: 8, p: 1 } };

interface Reply {
  status: number;
  json: any;
  headers: Headers;
}

/** A browser of one: keeps the session cookie, sends the CSRF token only when told. */
class Browser {
  cookie?: string;
  csrf?: string;
  constructor(private readonly tocsin: Tocsin) {}

  async send(method: string, url: string, body?: unknown, opts: { csrf?: string | null; bearer?: string } = {}) {
    const headers: Record<string, string> = {};
    if (this.cookie) headers.cookie = `tocsin_session=${this.cookie}`;
    const csrf = opts.csrf === undefined ? this.csrf : opts.csrf;
    if (csrf) headers['x-csrf-token'] = csrf;
    if (opts.bearer) headers.authorization = `Bearer ${opts.bearer}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await this.tocsin.http.request(url, {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    const reply: Reply = { status: res.status, json: text ? JSON.parse(text) : undefined, headers: res.headers };
    const set = res.headers.get('set-cookie');
    const value = set && /tocsin_session=([^;]*)/.exec(set)?.[1];
    if (value !== undefined && value !== null) this.cookie = value === '' ? undefined : value;
    if (reply.json?.csrfToken) this.csrf = reply.json.csrfToken;
    return reply;
  }

  login(name: string, password: string, totp?: string) {
    return this.send('POST', '/api/session', { name, password, ...(totp ? { totp } : {}) });
  }
}

const monitor = (name: string) => ({ name, type: 'dns', query: 'example.com', resolver: '127.0.0.1:9' });

describe('session and user routes', () => {
  let tocsin: Tocsin;
  let dispose: () => Promise<void>;
  const clock = new FakeClock();
  const admin = () => new Browser(tocsin);
  let ada: Browser;

  before(async () => {
    ({ tocsin, dispose } = await createTestApp('sqlite', { clock, users: cheap }));
  });
  after(() => dispose());

  it('runs the first-run setup with the logged code, written to the data directory (0600), once', async () => {
    assert.deepEqual((await admin().send('GET', '/api/setup')).json, { needed: true });
    const code = await tocsin.users.setup.prepare();
    assert.match(code!, /^tcs_[A-Za-z0-9]{24}$/);
    const file = path.join(tocsin.settings.dataDir, SETUP_CODE_FILE);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    ada = admin();
    const wrong = await ada.send('POST', '/api/setup', {
      name: 'ada',
      password: 'a long password',
      setupCode: 'tcs_x',
    });
    assert.equal(wrong.status, 401);
    const short = await ada.send('POST', '/api/setup', { name: 'ada', password: 'short', setupCode: code });
    assert.equal(short.status, 400);
    assert.match(short.json.error.message, /^password: /);
    const done = await ada.send('POST', '/api/setup', { name: 'ada', password: 'a long password', setupCode: code });
    assert.equal(done.status, 201, JSON.stringify(done.json));
    assert.deepEqual(done.json.user, { id: done.json.user.id, name: 'ada', role: 'admin', totp: false });
    assert.equal(typeof done.json.csrfToken, 'string');
    assert.equal(done.json.expiresAt, clock.now() + 7 * 86_400_000);
    const cookie = done.headers.get('set-cookie')!;
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Lax/);
    assert.match(cookie, /Path=\//);
    assert.doesNotMatch(cookie, /Secure/, 'the public URL is http');
    assert.equal(existsSync(file), false, 'the setup code file is removed');
    const again = await admin().send('POST', '/api/setup', {
      name: 'eve',
      password: 'a long password',
      setupCode: code,
    });
    assert.equal(again.status, 409);
    assert.deepEqual((await admin().send('GET', '/api/setup')).json, { needed: false });
  });

  it('answers GET /api/session with the session, and 401 naming both ways in without one', async () => {
    const me = await ada.send('GET', '/api/session');
    assert.equal(me.status, 200);
    assert.equal(me.json.user.name, 'ada');
    assert.equal(me.json.csrfToken, ada.csrf);
    const none = await admin().send('GET', '/api/monitors');
    assert.equal(none.status, 401);
    assert.match(none.json.error.message, /Authorization: Bearer/);
    assert.match(none.json.error.message, /POST \/api\/session/);
  });

  it('refuses a cookie write without the CSRF token or with a wrong one (403), takes the right one', async () => {
    const without = await ada.send('POST', '/api/monitors', monitor('csrf-a'), { csrf: null });
    assert.equal(without.status, 403);
    assert.equal(without.json.error.code, 'forbidden');
    assert.match(without.json.error.message, /X-CSRF-Token header.*GET \/api\/session/);
    const wrong = await ada.send('POST', '/api/monitors', monitor('csrf-a'), { csrf: `${ada.csrf!.slice(1)}x` });
    assert.equal(wrong.status, 403);
    const right = await ada.send('POST', '/api/monitors', monitor('csrf-a'));
    assert.equal(right.status, 201, JSON.stringify(right.json));
    // A read needs none; a bearer write needs none.
    assert.equal((await ada.send('GET', '/api/monitors', undefined, { csrf: null })).status, 200);
    const bearer = await admin().send('POST', '/api/monitors', monitor('csrf-b'), { bearer: TEST_ADMIN_TOKEN });
    assert.equal(bearer.status, 201);
  });

  it('lets an admin manage users: a bad body is a 400 naming the field, and no input is a 400, not a 500', async () => {
    const bad = await ada.send('POST', '/api/users', { name: 'vic', password: 'a long password', role: 'root' });
    assert.equal(bad.status, 400);
    assert.match(bad.json.error.message, /^role: /);
    for (const body of [undefined, '', 'not json', '[]', 'null']) {
      const res = await ada.send('POST', '/api/users', body);
      // No body at all is 415 (send JSON), as on every route.
      assert.equal(res.status, body === undefined ? 415 : 400, `body ${JSON.stringify(body)}`);
    }
    assert.equal((await admin().send('POST', '/api/session', '{}')).status, 400);
    for (const [name, role] of [
      ['vic', 'viewer'],
      ['eddie', 'editor'],
    ]) {
      const made = await ada.send('POST', '/api/users', { name, password: 'a long password', role });
      assert.equal(made.status, 201, JSON.stringify(made.json));
      assert.equal(made.json.role, role);
    }
    const { users } = (await ada.send('GET', '/api/users')).json;
    assert.deepEqual(
      users.map((u: { name: string; role: string }) => `${u.name}:${u.role}`),
      ['ada:admin', 'eddie:editor', 'vic:viewer'],
    );
    const last = await ada.send('DELETE', '/api/users/ada');
    assert.equal(last.status, 409);
    assert.match(last.json.error.message, /last admin/);
  });

  it('gives a viewer 403 on a write; an editor writes a monitor but cannot create a token or a user', async () => {
    const vic = admin();
    assert.equal((await vic.login('vic', 'a long password')).status, 200);
    assert.equal((await vic.send('GET', '/api/monitors')).status, 200);
    const denied = await vic.send('POST', '/api/monitors', monitor('by-vic'));
    assert.equal(denied.status, 403);
    assert.match(denied.json.error.message, /'write' scope; user 'vic' has 'read'/);
    const eddie = admin();
    await eddie.login('eddie', 'a long password');
    assert.equal((await eddie.send('POST', '/api/monitors', monitor('by-eddie'))).status, 201);
    assert.equal((await eddie.send('POST', '/api/tokens', { name: 'x', scope: 'read' })).status, 403);
    assert.equal((await eddie.send('GET', '/api/users')).status, 403);
  });

  it('gives write tokens the domain writes and reads, not tokens', async () => {
    const { token } = await tocsin.tokens.create('writer', 'write');
    const w = admin();
    assert.equal((await w.send('POST', '/api/monitors', monitor('by-writer'), { bearer: token })).status, 201);
    assert.equal((await w.send('GET', '/api/monitors', undefined, { bearer: token })).status, 200);
    const tokens = await w.send('POST', '/api/tokens', { name: 'y', scope: 'read' }, { bearer: token });
    assert.equal(tokens.status, 403);
    assert.match(tokens.json.error.message, /'admin' scope; this token has 'write'/);
    const made = await admin().send(
      'POST',
      '/api/tokens',
      { name: 'w2', scope: 'write' },
      { bearer: TEST_ADMIN_TOKEN },
    );
    assert.equal(made.status, 201);
  });

  it('logs out at once and clears the cookie; a deleted user’s sessions end at once', async () => {
    const s = admin();
    await s.login('vic', 'a long password');
    const old = s.cookie;
    assert.equal((await s.send('DELETE', '/api/session', undefined, { csrf: null })).status, 403);
    const out = await s.send('DELETE', '/api/session');
    assert.equal(out.status, 204);
    assert.match(out.headers.get('set-cookie')!, /tocsin_session=;.*Max-Age=0/);
    s.cookie = old;
    assert.equal((await s.send('GET', '/api/session')).status, 401);
    const e = admin();
    await e.login('eddie', 'a long password');
    assert.equal((await ada.send('DELETE', '/api/users/eddie')).status, 204);
    assert.equal((await e.send('GET', '/api/session')).status, 401);
  });

  it('ends the other sessions on a password change, keeping the one that made it', async () => {
    const phone = admin();
    await phone.login('ada', 'a long password');
    const wrong = await ada.send('PUT', '/api/session/password', {
      current: 'not the one',
      password: 'another long one',
    });
    assert.equal(wrong.status, 400);
    assert.match(wrong.json.error.message, /^current: /);
    const ok = await ada.send('PUT', '/api/session/password', {
      current: 'a long password',
      password: 'another long one',
    });
    assert.equal(ok.status, 200, JSON.stringify(ok.json));
    assert.equal((await ada.send('GET', '/api/session')).status, 200);
    assert.equal((await phone.send('GET', '/api/session')).status, 401);
    assert.equal((await admin().login('ada', 'another long one')).status, 200);
  });

  it('asks for the TOTP code once enrolled', async () => {
    const { totpCode } = await import('./totp.js');
    const enroll = await ada.send('POST', '/api/session/totp');
    assert.match(enroll.json.otpauthUrl, /^otpauth:\/\/totp\/Tocsin:ada\?secret=/);
    const confirm = await ada.send('POST', '/api/session/totp/confirm', {
      code: totpCode(enroll.json.secret, clock.now()),
    });
    assert.equal(confirm.status, 200, JSON.stringify(confirm.json));
    const half = await admin().login('ada', 'another long one');
    assert.equal(half.status, 401);
    assert.deepEqual(half.json.error.details, { totpRequired: true });
    clock.advance(30_000);
    const full = await admin().login('ada', 'another long one', totpCode(enroll.json.secret, clock.now()));
    assert.equal(full.status, 200);
    assert.equal(full.json.user.totp, true);
  });

  it('answers 429 with Retry-After after 5 failed sign-ins of a name; a wrong name is a wrong password', async () => {
    const unknown = await admin().login('nobody', 'whatever it is');
    assert.equal(unknown.status, 401);
    assert.equal(unknown.json.error.message, 'name or password is wrong');
    for (let i = 0; i < 5; i++) assert.equal((await admin().login('vic', 'not the password')).status, 401);
    const limited = await admin().login('vic', 'a long password');
    assert.equal(limited.status, 429);
    assert.equal(limited.json.error.code, 'rate_limited');
    assert.equal(limited.headers.get('retry-after'), '180');
    clock.advance(180_000);
    assert.equal((await admin().login('vic', 'a long password')).status, 200);
  });
});

describe('setup with an admin token, behind an https public URL', () => {
  let tocsin: Tocsin;
  let dispose: () => Promise<void>;
  before(async () => {
    ({ tocsin, dispose } = await createTestApp('sqlite', {
      users: cheap,
      flags: { 'public-url': 'https://tocsin.example' },
    }));
  });
  after(() => dispose());

  it('accepts an admin API token as the setup code (not a read one), and sets a Secure cookie', async () => {
    const b = new Browser(tocsin);
    const { token } = await tocsin.tokens.create('reader', 'read');
    const refused = await b.send('POST', '/api/setup', { name: 'ada', password: 'a long password', setupCode: token });
    assert.equal(refused.status, 401);
    const res = await b.send('POST', '/api/setup', {
      name: 'ada',
      password: 'a long password',
      setupCode: TEST_ADMIN_TOKEN,
    });
    assert.equal(res.status, 201);
    assert.match(res.headers.get('set-cookie')!, /; Secure/);
  });
});
