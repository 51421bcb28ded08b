/**
 * The ingest decoders by format. Adding a format is one file (its decoder
 * and test), one name in `logFormats` and one line here.
 */
import { TocsinError } from '../../core/errors.js';
import { type LogDecoder, type LogFormat, logFormats } from './log-decoder.js';
import { lokiPushDecoder } from './loki-push-decoder.js';
import { otlpLogsDecoder } from './otlp-logs-decoder.js';
import { tocsinNdjsonDecoder } from './tocsin-ndjson-decoder.js';

export const logDecoders: Readonly<Record<LogFormat, LogDecoder>> = {
  'tocsin-ndjson': tocsinNdjsonDecoder,
  'otlp-logs': otlpLogsDecoder,
  'loki-push': lokiPushDecoder,
};

export const isLogFormat = (name: string): name is LogFormat => (logFormats as readonly string[]).includes(name);

/** The decoder of a format; a `bad_request` naming the known ones for any other name. */
export function logDecoderFor(format: string): LogDecoder {
  if (!isLogFormat(format))
    throw new TocsinError('bad_request', `unknown log format '${format}'; known: ${logFormats.join(', ')}`);
  return logDecoders[format];
}
