import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../core/clock.js';
import { createLogger } from '../core/logger.js';
import { Telemetry } from '../core/telemetry.js';
import { TelemetryPipelineCounters } from './pipeline-counters.js';

describe('pipeline counters', () => {
  const setup = () => {
    const lines: string[] = [];
    const clock = new FakeClock();
    const telemetry = new Telemetry({ processMetrics: false });
    const counters = new TelemetryPipelineCounters(
      telemetry,
      clock,
      createLogger('info', {}, (l) => lines.push(l)),
    );
    return { lines, clock, telemetry, counters };
  };

  it('counts ingested, dropped and failed on /metrics and in the ingest status', async () => {
    const { telemetry, counters } = setup();
    counters.ingested('otlp', 10, 1000);
    counters.ingested('otlp', 5, 500);
    counters.ingested('loki', 2, 50);
    counters.dropped('loop', 3, 'otlp');
    counters.dropped('backpressure', 4, 'loki');
    counters.stageFailed('routes', new Error('boom'));
    const text = await telemetry.render();
    assert.match(text, /tocsin_logs_ingested_total\{format="otlp"\} 15/);
    assert.match(text, /tocsin_logs_ingested_bytes_total\{format="loki"\} 50/);
    assert.match(text, /tocsin_logs_dropped_total\{reason="backpressure"\} 4/);
    assert.match(text, /tocsin_logs_stage_failures_total\{stage="routes"\} 1/);
    assert.deepEqual(counters.statusPart().status(), {
      events: 17,
      bytes: 1550,
      byFormat: { otlp: { events: 15, bytes: 1500 }, loki: { events: 2, bytes: 50 } },
      dropped: { loop: 3, backpressure: 4 },
      stageFailures: { routes: 1 },
    });
  });

  it('logs a stage failure at most once a minute per stage, saying how many it did not log', () => {
    const { lines, clock, counters } = setup();
    for (let i = 0; i < 5; i++) counters.stageFailed('routes', new Error(`boom ${i}`));
    counters.stageFailed('tail', new Error('other'));
    clock.advance(60_000);
    counters.stageFailed('routes', new Error('later'));
    const logged = lines.map((l) => JSON.parse(l) as { stage: string; notLoggedSinceLast: number });
    assert.deepEqual(
      logged.map((l) => [l.stage, l.notLoggedSinceLast]),
      [
        ['routes', 0],
        ['tail', 0],
        ['routes', 4],
      ],
    );
  });
});
