/**
 * Loki's protobuf push body (`POST /loki/api/v1/push`, Content-Type
 * application/x-protobuf): a `logproto.PushRequest` compressed as one snappy
 * block, as Promtail, Alloy and Fluent Bit send it. The messages, from
 * grafana/loki pkg/push/push.proto (field numbers as there):
 *
 *   PushRequest      { repeated StreamAdapter streams = 1; }
 *   StreamAdapter    { string labels = 1; repeated EntryAdapter entries = 2; uint64 hash = 3; }
 *   EntryAdapter     { google.protobuf.Timestamp timestamp = 1; string line = 2;
 *                      repeated LabelPairAdapter structuredMetadata = 3; }
 *   LabelPairAdapter { string name = 1; string value = 2; }
 *   Timestamp        { int64 seconds = 1; int32 nanos = 2; }
 *
 * `labels` is the stream's label set in the selector syntax, `{job="api", env="prod"}` (loki-labels.ts).
 * The hash and the newer `parsed` metadata field are not read.
 */
import protobuf from 'protobufjs';
import { decodeSnappyBlock } from './snappy-block.js';

export interface LokiProtoEntry {
  timestamp?: { seconds?: string; nanos?: number };
  line?: string;
  structuredMetadata?: { name?: string; value?: string }[];
}

export interface LokiProtoRequest {
  streams?: { labels?: string; entries?: LokiProtoEntry[] }[];
}

function buildRoot(): protobuf.Root {
  const root = new protobuf.Root();
  const add = (pkg: string, name: string, fields: [string, number, string, 'repeated'?][]) => {
    const type = new protobuf.Type(name);
    for (const [field, id, fieldType, rule] of fields) type.add(new protobuf.Field(field, id, fieldType, rule));
    root.define(pkg).add(type);
  };
  add('google.protobuf', 'Timestamp', [
    ['seconds', 1, 'int64'],
    ['nanos', 2, 'int32'],
  ]);
  add('logproto', 'PushRequest', [['streams', 1, 'StreamAdapter', 'repeated']]);
  add('logproto', 'StreamAdapter', [
    ['labels', 1, 'string'],
    ['entries', 2, 'EntryAdapter', 'repeated'],
  ]);
  add('logproto', 'EntryAdapter', [
    ['timestamp', 1, 'google.protobuf.Timestamp'],
    ['line', 2, 'string'],
    ['structuredMetadata', 3, 'LabelPairAdapter', 'repeated'],
  ]);
  add('logproto', 'LabelPairAdapter', [
    ['name', 1, 'string'],
    ['value', 2, 'string'],
  ]);
  root.resolveAll();
  return root;
}

const pushRequest = buildRoot().lookupType('logproto.PushRequest');

/**
 * Decodes a snappy-compressed PushRequest; throws (a SnappyError, or protobufjs's error) on anything else.
 * `maxLength` bounds the uncompressed size.
 */
export function decodeLokiPushRequest(compressed: Uint8Array, maxLength?: number): LokiProtoRequest {
  const bytes = decodeSnappyBlock(compressed, maxLength);
  return pushRequest.toObject(pushRequest.decode(bytes), { longs: String }) as LokiProtoRequest;
}

/** Encodes a PushRequest, uncompressed (tests compress it as a client would). */
export function encodeLokiPushRequest(request: LokiProtoRequest): Uint8Array {
  return pushRequest.encode(pushRequest.fromObject(request)).finish();
}
