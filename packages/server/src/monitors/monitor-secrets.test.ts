import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keepSecrets, redactProbe } from './monitor-secrets.js';

describe('monitor secrets', () => {
  it('prints S3 secrets as the redaction marker and keeps the stored ones for it', () => {
    const stored = {
      type: 'object',
      key: 'k',
      s3: { bucket: 'b-1', accessKeyId: 'AKIA1', secretAccessKey: 'shh', sessionToken: 't' },
    };
    const shown = redactProbe(stored);
    assert.deepEqual(shown.s3, {
      bucket: 'b-1',
      accessKeyId: 'AKIA1',
      secretAccessKey: '<redacted>',
      sessionToken: '<redacted>',
    });
    assert.deepEqual(keepSecrets(shown, stored).s3, stored.s3);
  });

  it('prints the password of an auth block and every header redacted', () => {
    const stored = {
      type: 'http',
      url: 'http://h/',
      auth: { type: 'basic', username: 'u', password: 'p' },
      headers: { a: 'b' },
    };
    const shown = redactProbe(stored);
    assert.deepEqual(
      [shown.auth, shown.headers],
      [{ type: 'basic', username: 'u', password: '<redacted>' }, { a: '<redacted>' }],
    );
    assert.deepEqual(keepSecrets(shown, stored), stored);
  });
});
