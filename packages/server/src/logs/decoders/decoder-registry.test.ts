import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TocsinError } from '../../core/errors.js';
import { isLogFormat, logDecoderFor, logDecoders } from './decoder-registry.js';
import { logFormats } from './log-decoder.js';

describe('log decoder registry', () => {
  it('has one decoder per format, each naming its own format', () => {
    for (const format of logFormats) {
      assert.equal(logDecoders[format].format, format);
      assert.equal(logDecoderFor(format), logDecoders[format]);
    }
    assert.deepEqual(Object.keys(logDecoders).sort(), [...logFormats].sort());
  });

  it('refuses an unknown format, naming the known ones', () => {
    assert.equal(isLogFormat('syslog'), false);
    assert.throws(
      () => logDecoderFor('syslog'),
      (err: unknown) =>
        err instanceof TocsinError &&
        err.code === 'bad_request' &&
        /tocsin-ndjson, otlp-logs, loki-push/.test(err.message),
    );
  });

  it('decodes the same event from each format', () => {
    const now = 1_767_225_600_000;
    const ns = `${now}000000`;
    const bodies: Record<string, [string, Record<string, string>]> = {
      'tocsin-ndjson': [JSON.stringify({ message: 'hi', group: 'api', time: now }), {}],
      'otlp-logs': [
        JSON.stringify({
          resourceLogs: [
            {
              resource: { attributes: [{ key: 'service.name', value: { stringValue: 'api' } }] },
              scopeLogs: [{ logRecords: [{ timeUnixNano: ns, body: { stringValue: 'hi' } }] }],
            },
          ],
        }),
        { 'content-type': 'application/json' },
      ],
      'loki-push': [
        JSON.stringify({ streams: [{ stream: { job: 'api' }, values: [[ns, 'hi']] }] }),
        { 'content-type': 'application/json' },
      ],
    };
    for (const [format, [body, headers]] of Object.entries(bodies)) {
      const [event] = logDecoderFor(format).decode(body, headers, { now }).events;
      assert.deepEqual([event.group, event.time, event.message], ['api', now, 'hi'], format);
    }
  });
});
