import assert from 'node:assert/strict';
import os from 'node:os';
import { describe, it } from 'node:test';
import { OWN_INGEST_PATHS, ownIngestPath, type OwnAddress } from './own-ingest.js';

const self: OwnAddress = { publicUrl: 'https://tocsin.acme.test/base', host: '0.0.0.0', port: 8080 };

describe('own ingest', () => {
  it('knows every ingest path through the public URL (with its base path) and default ports', () => {
    for (const p of OWN_INGEST_PATHS) {
      assert.equal(ownIngestPath(`https://tocsin.acme.test/base${p}`, self), p);
      assert.equal(ownIngestPath(`https://TOCSIN.acme.test:443/base${p}/`, self), p);
    }
    assert.equal(ownIngestPath('https://tocsin.acme.test/api/logs', self), undefined, 'outside the base path');
    assert.equal(ownIngestPath('https://tocsin.acme.test:8443/base/api/logs', self), undefined, 'another port');
  });

  it('knows loopback names and addresses, the host name and interface addresses, on the listen port', () => {
    const urls = [
      'http://127.0.0.1:8080/loki/api/v1/push',
      'http://127.8.9.10:8080/loki/api/v1/push',
      'http://localhost:8080/loki/api/v1/push',
      'http://[::1]:8080/loki/api/v1/push',
      'http://[::ffff:127.0.0.1]:8080/loki/api/v1/push',
      'http://0.0.0.0:8080/loki/api/v1/push',
      `http://${os.hostname()}:8080/loki/api/v1/push`,
      'http://127.0.0.1:8080//loki/api/v1/push',
    ];
    for (const url of urls) assert.equal(ownIngestPath(url, self), '/loki/api/v1/push', url);
  });

  it('lets other servers, other ports and other paths be', () => {
    const urls = [
      'http://127.0.0.1:3100/loki/api/v1/push',
      'https://logs.datadoghq.com/api/v2/logs',
      'http://loki.acme.test:8080/loki/api/v1/push',
      'http://127.0.0.1:8080/api/logs/query',
      'http://127.0.0.1:8080/api/topics/x/publish',
      'mailto:ops@acme.test',
      'not a url',
    ];
    for (const url of urls) assert.equal(ownIngestPath(url, self), undefined, url);
  });
});
