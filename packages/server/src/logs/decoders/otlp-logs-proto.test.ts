import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import {
  decodeExportLogsRequest,
  decodeExportLogsResponse,
  encodeExportLogsRequest,
  encodeExportLogsResponse,
  encodeLogsStatus,
  type OtlpLogsRequest,
} from './otlp-logs-proto.js';

const request: OtlpLogsRequest = {
  resourceLogs: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] },
      scopeLogs: [
        {
          scope: { name: 'app', version: '1.0' },
          logRecords: [
            {
              timeUnixNano: '1767225600123456789',
              observedTimeUnixNano: '1767225600200000000',
              severityNumber: 17,
              severityText: 'ERROR',
              body: {
                kvlistValue: {
                  values: [
                    { key: 'big', value: { intValue: '9007199254740993' } },
                    { key: 'raw', value: { bytesValue: Buffer.from([1, 2, 3]).toString('base64') } },
                    { key: 'list', value: { arrayValue: { values: [{ doubleValue: 1.5 }, { boolValue: false }] } } },
                  ],
                },
              },
              attributes: [{ key: 'k', value: { stringValue: 'v' } }],
              traceId: '5b8efff798038103d269b633813fc60c',
              spanId: 'eee19b7ec3c1b174',
              eventName: 'payment.failed',
            },
          ],
        },
      ],
    },
  ],
};

describe('OTLP logs protobuf', () => {
  it('round-trips a request in the OTLP/JSON shape, ids in hexadecimal and bytes in base64', () => {
    assert.deepEqual(decodeExportLogsRequest(encodeExportLogsRequest(request)), request);
  });

  it('writes the wire numbers of logs.proto', () => {
    // LogRecord.severity_text is field 3 (tag 0x1a), trace_id 9 (0x4a), span_id 10 (0x52), event_name 12 (0x62).
    const bytes = Buffer.from(encodeExportLogsRequest(request));
    const record = protobuf.Reader.create(bytes);
    const tags: number[] = [];
    // Walk ExportLogsServiceRequest(1) → ResourceLogs.scope_logs(2) → ScopeLogs.log_records(2) → its fields.
    const sub = (r: protobuf.Reader, field: number): protobuf.Reader => {
      for (;;) {
        const tag = r.uint32();
        if (tag >>> 3 === field && (tag & 7) === 2) return protobuf.Reader.create(r.bytes());
        r.skipType(tag & 7);
      }
    };
    const rec = sub(sub(sub(record, 1), 2), 2);
    while (rec.pos < rec.len) {
      const tag = rec.uint32();
      tags.push(tag >>> 3);
      rec.skipType(tag & 7);
    }
    assert.deepEqual(
      tags.sort((a, b) => a - b),
      [1, 2, 3, 5, 6, 9, 10, 11, 12],
    );
  });

  it('answers with partial success only when given, and statuses', () => {
    assert.equal(encodeExportLogsResponse().length, 0);
    assert.deepEqual(
      decodeExportLogsResponse(encodeExportLogsResponse({ rejectedLogRecords: 2, errorMessage: 'too big' })),
      { partialSuccess: { rejectedLogRecords: '2', errorMessage: 'too big' } },
    );
    assert.ok(encodeLogsStatus(400, 'bad').length > 0);
  });

  it('throws on bytes that are not a request', () => {
    assert.throws(() => decodeExportLogsRequest(Buffer.from([0x0a, 0x05, 0x01])));
  });
});
