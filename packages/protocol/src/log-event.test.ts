import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type LogEvent,
  logEventFromInput,
  logEventInputSchema,
  logEventProblem,
  logEventSchema,
  logLimits,
  severityName,
  severityOf,
  utf8Length,
} from './log-event.js';

const NOW = 1_767_225_600_000;

/** The first issue as `path: message`, or 'ok'. */
function firstIssue(input: unknown): string {
  const r = logEventInputSchema.safeParse(input);
  if (r.success) return 'ok';
  const [issue] = r.error.issues;
  return `${issue.path.join('.')}: ${issue.message}`;
}

const base: LogEvent = {
  time: NOW,
  observedTime: NOW,
  group: 'api',
  level: 9,
  levelText: 'INFO',
  message: 'hello',
  attributes: {},
  resource: {},
};

describe('log event model', () => {
  it('names severity numbers as OTLP does', () => {
    assert.deepEqual([1, 4, 5, 9, 10, 12, 13, 17, 20, 21, 24].map(severityName), [
      'TRACE',
      'TRACE4',
      'DEBUG',
      'INFO',
      'INFO2',
      'INFO4',
      'WARN',
      'ERROR',
      'ERROR4',
      'FATAL',
      'FATAL4',
    ]);
    assert.equal(severityName(0), '');
    assert.equal(severityName(25), '');
  });

  it('reads level words, OTLP short and enum names, and numbers as text', () => {
    const cases: [string, number][] = [
      ['WARNING', 13],
      ['warn', 13],
      ['err', 17],
      ['Error', 17],
      ['ERROR2', 18],
      ['FATAL4', 24],
      ['SEVERITY_NUMBER_WARN', 13],
      ['SEVERITY_NUMBER_INFO3', 11],
      ['notice', 10],
      ['crit', 18],
      ['emerg', 21],
      ['debug', 5],
      [' trace ', 1],
      ['9', 9],
      ['0', 0],
      ['25', 0],
      ['warning2', 0],
      ['loud', 0],
      ['', 0],
    ];
    for (const [text, n] of cases) assert.equal(severityOf(text), n, text);
  });

  it('fills the defaults of an input event', () => {
    const input = logEventInputSchema.parse({ message: 'started' });
    const event = logEventFromInput(input, { now: NOW, group: 'default' });
    assert.deepEqual(event, {
      time: NOW,
      observedTime: NOW,
      group: 'default',
      level: 0,
      levelText: '',
      message: 'started',
      attributes: {},
      resource: {},
    });
    assert.equal(logEventSchema.safeParse(event).success, true);
  });

  it('takes ISO times, level words and numbers, and keeps the given fields', () => {
    const input = logEventInputSchema.parse({
      time: '2026-01-01T00:00:01.500+01:00',
      group: 'checkout',
      stream: 'i-1',
      source: 'pay',
      stage: 'prod',
      level: 'warning',
      message: 'slow',
      attributes: { latency: 812, user: { id: 7 } },
      traceId: '5b8efff798038103d269b633813fc60c',
      spanId: 'eee19b7ec3c1b174',
      resource: { 'host.name': 'web-1' },
    });
    const event = logEventFromInput(input, { now: NOW, group: 'default' });
    assert.equal(event.time, Date.UTC(2025, 11, 31, 23, 0, 1, 500));
    assert.equal(event.group, 'checkout');
    assert.equal(event.level, 13);
    assert.equal(event.levelText, 'warning');
    assert.deepEqual(event.attributes, { latency: 812, user: { id: 7 } });
    assert.equal(logEventSchema.safeParse(event).success, true);
    const numbered = logEventFromInput(logEventInputSchema.parse({ message: 'x', level: 17, time: 5 }), {
      now: NOW,
      group: 'g',
    });
    assert.deepEqual([numbered.time, numbered.level, numbered.levelText], [5, 17, 'ERROR']);
  });

  it('refuses unknown keys, a missing message, bad ids and bad times, naming the field', () => {
    assert.match(firstIssue({ message: 'x', msg: 'y' }), /msg/);
    assert.match(firstIssue({}), /^message: /);
    assert.match(firstIssue({ message: 'x', traceId: '5B8EFFF798038103D269B633813FC60C' }), /^traceId: .*hexadecimal/);
    assert.match(firstIssue({ message: 'x', traceId: '0'.repeat(32) }), /^traceId: .*all zeros/);
    assert.match(firstIssue({ message: 'x', spanId: 'abc' }), /^spanId: /);
    assert.match(firstIssue({ message: 'x', time: '2026-01-01 10:00' }), /^time: /);
    assert.match(firstIssue({ message: 'x', time: -1 }), /^time: /);
    assert.match(firstIssue({ message: 'x', level: 25 }), /^level: /);
    assert.match(firstIssue({ message: 'x', group: '' }), /^group: /);
    assert.match(firstIssue({ message: 'x', attributes: [1] }), /^attributes: /);
    assert.equal(firstIssue({ message: 'x', level: 'notice' }), 'ok');
  });

  it('counts UTF-8 bytes without encoding', () => {
    assert.equal(utf8Length('aé€😀'), 1 + 2 + 3 + 4);
    assert.equal(utf8Length('aé€😀'), Buffer.byteLength('aé€😀'));
  });

  it('names the limit an event breaks', () => {
    assert.equal(logEventProblem(base), undefined);
    const big = 'x'.repeat(logLimits.messageBytes);
    assert.equal(logEventProblem({ ...base, message: big }), undefined, 'at the limit');
    assert.match(logEventProblem({ ...base, message: `${big}x` }) ?? '', /messageBytes/);
    assert.match(logEventProblem({ ...base, message: 'é'.repeat(logLimits.messageBytes / 2 + 1) }) ?? '', /message/);
    const many = Object.fromEntries(Array.from({ length: logLimits.attributeCount + 1 }, (_, i) => [`k${i}`, i]));
    assert.match(logEventProblem({ ...base, attributes: many }) ?? '', /^attributes: .*attributeCount/);
    assert.match(logEventProblem({ ...base, resource: many }) ?? '', /^resource: /);
    let deep: unknown = 1;
    for (let i = 0; i < logLimits.attributeDepth; i++) deep = { d: deep };
    assert.equal(logEventProblem({ ...base, attributes: deep as Record<string, unknown> }), undefined, 'at depth');
    assert.match(logEventProblem({ ...base, attributes: { d: deep } }) ?? '', /attributeDepth/);
    assert.match(logEventProblem({ ...base, attributes: { a: [[[[[[[[[1]]]]]]]]] } }) ?? '', /attributeDepth/);
    assert.equal(logEventProblem({ ...base, attributes: { a: 'y'.repeat(20_000) } }), undefined, 'over the bound only');
    const wide = { a: 'y'.repeat(logLimits.attributeBytes) };
    assert.match(logEventProblem({ ...base, attributes: wide }) ?? '', /attributeBytes/);
    assert.match(logEventProblem({ ...base, attributes: { ['k'.repeat(257)]: 1 } }) ?? '', /attributeKeyLength/);
    assert.match(logEventProblem({ ...base, group: 'g'.repeat(513) }) ?? '', /^group: /);
    assert.match(logEventProblem({ ...base, levelText: 'l'.repeat(33) }) ?? '', /^level: /);
  });
});
