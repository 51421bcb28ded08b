import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isResolverAddress, parseStatusRange, probeSpecSchema } from './monitor-probes.js';

/** Each issue as "path: message". */
function issues(input: unknown): string[] {
  const r = probeSpecSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('probe schemas', () => {
  it('fill in the defaults and keep the shape of the input', () => {
    assert.deepEqual(probeSpecSchema.parse({ type: 'http', url: 'https://example.com/health' }), {
      type: 'http',
      url: 'https://example.com/health',
      method: 'GET',
      expectedStatus: ['200-299'],
      followRedirects: true,
      maxRedirects: 5,
      verifyTls: true,
      certExpiryWarningDays: 14,
    });
    assert.deepEqual(probeSpecSchema.parse({ type: 'tls', host: 'example.com' }), {
      type: 'tls',
      host: 'example.com',
      port: 443,
      minDaysLeft: 14,
      verifyTls: true,
    });
    assert.deepEqual(probeSpecSchema.parse({ type: 'dns', query: 'example.com' }), {
      type: 'dns',
      query: 'example.com',
      recordType: 'A',
    });
  });

  it('name the field and say what to fix', () => {
    assert.deepEqual(issues({ type: 'http', url: 'ftp://example.com' }), ['url: an http:// or https:// URL']);
    assert.deepEqual(issues({ type: 'http', url: 'not a url' }), ['url: an http:// or https:// URL']);
    const [regex] = issues({ type: 'http', url: 'http://127.0.0.1/', bodyMatches: '(unclosed' });
    assert.match(regex, /^bodyMatches: a valid regular expression \(.*Unterminated group\)$/);
    assert.deepEqual(issues({ type: 'tcp', host: 'db.internal', port: 70000 }), [
      'port: a port number from 1 to 65535',
    ]);
    assert.deepEqual(issues({ type: 'tls', host: 'example.com', port: 0 }), ['port: a port number from 1 to 65535']);
    assert.deepEqual(issues({ type: 'dns', query: 'example.com', recordType: 'AXFR' }), [
      'recordType: one of A, AAAA, CNAME, MX, TXT, NS, SOA, SRV, CAA, PTR',
    ]);
    assert.deepEqual(issues({ type: 'ping', host: 'x' }), ['type: the probe type: one of http, tcp, dns, tls, object']);
    assert.deepEqual(issues({ type: 'tcp', host: 'https://db.internal', port: 5432 }), [
      'host: a host name or IP address, without scheme, port or path',
    ]);
  });

  it('refuse a TCP or TLS host with its port in it, and accept IPv6 addresses', () => {
    assert.deepEqual(issues({ type: 'tcp', host: 'db:5432', port: 5432 }), [
      "host: the host without its port: give the port in 'port' (got 'db:5432')",
    ]);
    assert.deepEqual(issues({ type: 'tcp', host: '[::1]:5432', port: 5432 }), [
      "host: the host without its port: give the port in 'port' (got '[::1]:5432')",
    ]);
    assert.deepEqual(issues({ type: 'tls', host: 'example.com:443' }), [
      "host: the host without its port: give the port in 'port' (got 'example.com:443')",
    ]);
    for (const host of ['::1', 'fe80::1%eth0', '2001:db8::5432', '10.0.0.1', 'db.internal'])
      assert.deepEqual(issues({ type: 'tcp', host, port: 5432 }), [], host);
  });

  it('ask the DNS query in `query`, saying so when it is missing', () => {
    assert.deepEqual(issues({ type: 'dns' }), [
      'query: required: the domain name to ask about, such as example.com ' +
        "(the field is 'query'; 'name' is the monitor's name)",
    ]);
    assert.deepEqual(issues({ type: 'dns', query: 'not a name!' }), ['query: a domain name such as example.com']);
  });

  it('check statuses, methods, auth, JSON paths and resolvers', () => {
    const url = 'http://127.0.0.1/';
    assert.deepEqual(issues({ type: 'http', url, expectedStatus: [200, '300-399', '204'] }), []);
    assert.deepEqual(
      issues({ type: 'http', url, expectedStatus: ['299-200', 99] }).map((i) => i.split(':')[0]),
      ['expectedStatus.0', 'expectedStatus.1'],
    );
    assert.deepEqual(issues({ type: 'http', url, method: 'FETCH' }), [
      'method: one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS',
    ]);
    assert.deepEqual(issues({ type: 'http', url, auth: { type: 'digest' } }), [
      'auth.type: auth type "basic" (username, password) or "bearer" (token)',
    ]);
    assert.deepEqual(issues({ type: 'http', url, maxRedirects: 21 }), ['maxRedirects: from 0 to 20']);
    assert.deepEqual(issues({ type: 'http', url, jsonPath: 'data.status' }), [
      'jsonPath: a path such as $.data.items[0].status (dotted names and [n] indexes)',
    ]);
    assert.deepEqual(
      issues({ type: 'http', url, jsonPath: '$.data.items[0].status', jsonEquals: { ok: [1, null] } }),
      [],
    );
    assert.deepEqual(issues({ type: 'http', url, jsonEquals: 'up' }), [
      'jsonPath: jsonEquals needs a jsonPath, such as $.status',
    ]);
    assert.deepEqual(issues({ type: 'http', url, headers: { 'X-Bad': 'a\r\nInjected: 1' } }), [
      'headers.X-Bad: a header value on one line',
    ]);
    assert.deepEqual(issues({ type: 'http', url, verifyTLS: false }), [': Unrecognized key: "verifyTLS"']);
    assert.equal(issues({ type: 'dns', query: 'example.com', resolver: '1.1.1.1:5353' }).length, 0);
    assert.deepEqual(
      issues({ type: 'dns', query: 'example.com', resolver: 'dns.google' }).map((i) => i.split(':')[0]),
      ['resolver'],
    );
  });

  it('parse status ranges and resolver addresses', () => {
    assert.deepEqual(
      [parseStatusRange('200-299'), parseStatusRange(204), parseStatusRange('299-200'), parseStatusRange('2xx')],
      [[200, 299], [204, 204], undefined, undefined],
    );
    for (const ok of ['1.1.1.1', '127.0.0.1:5353', '::1', '[2606:4700::1111]:53'])
      assert.equal(isResolverAddress(ok), true, ok);
    for (const bad of ['256.1.1.1', '1.1.1.1:0', '1.1.1.1:70000', 'dns.google', '[::1]:x', ''])
      assert.equal(isResolverAddress(bad), false, bad);
  });
});
