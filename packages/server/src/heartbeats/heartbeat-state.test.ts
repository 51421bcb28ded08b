import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileSchedule } from './heartbeat-schedule.js';
import {
  applyDeadlines,
  applyPing,
  initialHeartbeat,
  nextDeadline,
  type HeartbeatAnnouncement,
  type HeartbeatDecision,
  type HeartbeatRules,
  type HeartbeatRuntime,
  type HeartbeatState,
  type PingInput,
} from './heartbeat-state.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const t = (text: string) => Date.parse(text);
const iso = (ms: number) => new Date(ms).toISOString();

type RuleInput = Partial<Omit<HeartbeatRules, 'schedule'>> & { cron?: string; tz?: string; period?: number };

function rules(over: RuleInput = {}): HeartbeatRules {
  const { cron, tz, period, ...rest } = over;
  const schedule = compileSchedule({ cron, period: period ?? (cron ? undefined : HOUR), timezone: tz ?? 'UTC' });
  return { schedule, graceMs: 30 * MIN, failureTolerance: 1, manualResume: false, alertWhenLate: false, ...rest };
}

/**
 * Drives a heartbeat through pings and clock ticks as the ping writer and the scheduler do; records what it
 * announces.
 */
class Harness {
  rt: HeartbeatRuntime;
  announced: (HeartbeatAnnouncement & { at: number })[] = [];
  last?: HeartbeatDecision;
  constructor(
    readonly r: HeartbeatRules,
    created: number,
    paused = false,
  ) {
    this.rt = initialHeartbeat(r, created, paused);
  }
  private take(ds: HeartbeatDecision[]): void {
    for (const d of ds) {
      assert.equal(d.nextDeadline, nextDeadline(d.runtime, this.r), 'a decision carries its next deadline');
      this.last = d;
      this.rt = d.runtime;
      if (d.announce) this.announced.push({ ...d.announce, at: d.runtime.stateChangedAt });
    }
  }
  /**
   * Moves the clock to `to`, firing each deadline at its own time, then once
   * at `to` (the writer applies deadlines before every ping, and a scheduler
   * may fire late): neither may change the outcome.
   */
  tickTo(to: number): this {
    for (let guard = 0; guard < 10_000; guard++) {
      const at = nextDeadline(this.rt, this.r);
      if (at === null || at > to) break;
      this.take(applyDeadlines(this.rt, this.r, at));
    }
    this.take(applyDeadlines(this.rt, this.r, to));
    return this;
  }
  ping(kind: PingInput['kind'], at: number, more: Omit<PingInput, 'kind' | 'at'> = {}): HeartbeatDecision {
    this.tickTo(at);
    const d = applyPing(this.rt, this.r, { kind, at, ...more });
    this.take([d]);
    return d;
  }
  /** Announcements as `kind: reason`. */
  said(): string[] {
    return this.announced.map((a) =>
      a.kind === 'heartbeat.down' ? `down: ${a.reason}` : a.kind.slice('heartbeat.'.length),
    );
  }
}

type Step = [at: number, what: PingInput['kind'] | 'tick', more?: Omit<PingInput, 'kind' | 'at'>];

interface Scenario {
  name: string;
  rules?: RuleInput;
  created?: number;
  paused?: boolean;
  steps: Step[];
  /** Each matched against one announcement, in order (regex, or exact text). */
  said: (string | RegExp)[];
  state: HeartbeatState;
  check?: (h: Harness) => void;
}

const tokyo = { cron: '0 3 * * *', tz: 'Asia/Tokyo' };
const jst = (day: number, hhmm: string) => t(`2026-06-0${day}T${hhmm}:00+09:00`);

const scenarios: Scenario[] = [
  {
    name: 'Tokyo 03:00, grace 30m: LATE at 03:00, one down at exactly 03:30 JST',
    rules: tokyo,
    created: jst(1, '12:00'),
    steps: [[jst(2, '03:29'), 'tick']],
    said: [],
    state: 'LATE',
    check: (h) => assert.equal(h.rt.stateChangedAt, jst(2, '03:00'), 'LATE from the expected time'),
  },
  {
    name: 'Tokyo: no ping by 03:30 JST gives exactly one down carrying the deadline, a ping then gives up',
    rules: tokyo,
    created: jst(1, '12:00'),
    steps: [
      [jst(2, '09:00'), 'tick'],
      [jst(2, '09:05'), 'success'],
      [jst(3, '03:00') + 5000, 'success'],
    ],
    said: [/^down: missed: expected at 2026-06-01T18:00:00.000Z, no ping by 2026-06-01T18:30:00.000Z$/, 'up'],
    state: 'UP',
    check: (h) => {
      const down = h.announced[0] as { deadline: number; at: number };
      assert.equal(iso(down.deadline), '2026-06-01T18:30:00.000Z', '03:30 JST is 18:30 UTC the day before');
      assert.equal(down.at, jst(2, '03:30'), 'DOWN dated at the deadline, not at detection');
      assert.equal(h.rt.expectedAt, jst(4, '03:00'));
    },
  },
  {
    name: 'Tokyo: a long outage is announced once (missed runs keep counting)',
    rules: tokyo,
    created: jst(1, '12:00'),
    steps: [[jst(8, '12:00'), 'tick']],
    said: [/^down: missed/],
    state: 'DOWN',
    check: (h) => assert.equal(h.rt.badRuns, 7),
  },
  {
    name: 'a ping on time: no announcement (a first UP is not news)',
    steps: [
      [50 * MIN, 'success'],
      [HOUR + 55 * MIN, 'success'],
    ],
    said: [],
    state: 'UP',
  },
  {
    name: 'fail: down "failed"',
    steps: [
      [10 * MIN, 'success'],
      [20 * MIN, 'fail'],
    ],
    said: [/^down: failed$/],
    state: 'DOWN',
  },
  {
    name: 'exit status 1: down carrying the status',
    steps: [
      [10 * MIN, 'success'],
      [20 * MIN, 'fail', { exitStatus: 1 }],
    ],
    said: ['down: failed with exit status 1'],
    state: 'DOWN',
    check: (h) =>
      assert.deepEqual(h.announced[0], {
        kind: 'heartbeat.down',
        reason: 'failed with exit status 1',
        exitStatus: 1,
        at: 20 * MIN,
      }),
  },
  { name: 'exit status 0 is a success', steps: [[10 * MIN, 'fail', { exitStatus: 0 }]], said: [], state: 'UP' },
  {
    name: 'down once, up once: a second failure while DOWN says nothing',
    steps: [
      [10 * MIN, 'fail', { exitStatus: 2 }],
      [20 * MIN, 'fail', { exitStatus: 3 }],
      [30 * MIN, 'success'],
      [40 * MIN, 'success'],
    ],
    said: ['down: failed with exit status 2', 'up'],
    state: 'UP',
  },
  {
    name: 'a start with no finish past maxRuntime: "ran too long" at start + maxRuntime exactly',
    rules: { maxRuntimeMs: 10 * MIN },
    steps: [
      [MIN, 'start'],
      [11 * MIN - 1, 'tick'],
    ],
    said: [],
    state: 'STARTED',
  },
  {
    name: 'maxRuntime passed: ran too long, dated at its deadline',
    rules: { maxRuntimeMs: 10 * MIN },
    steps: [
      [MIN, 'start'],
      [20 * MIN, 'tick'],
    ],
    said: [/^down: ran too long: not finished within maxRuntime 10m of its start at 1970-01-01T00:01:00.000Z$/],
    state: 'DOWN',
    check: (h) => assert.equal((h.announced[0] as { deadline: number }).deadline, 11 * MIN),
  },
  {
    name: 'without maxRuntime a started run has the grace, as in Healthchecks',
    steps: [
      [MIN, 'start'],
      [31 * MIN, 'tick'],
    ],
    said: [/^down: ran too long: not finished within the grace time 30m/],
    state: 'DOWN',
  },
  {
    name: 'a slow run that started on time is judged by maxRuntime, not reported missed',
    rules: { maxRuntimeMs: 2 * HOUR },
    steps: [
      [50 * MIN, 'success'],
      [HOUR + 50 * MIN, 'start'],
      [3 * HOUR, 'tick'],
      [3 * HOUR + 10 * MIN, 'success'],
    ],
    said: [],
    state: 'UP',
    check: (h) => {
      assert.equal(h.last?.runDurationMs, HOUR + 20 * MIN);
      assert.equal(h.rt.expectedAt, 4 * HOUR + 10 * MIN, 'the next run is expected a period after this one');
    },
  },
  {
    name: 'a run that ran too long settles its slot: it is not also counted missed',
    rules: { maxRuntimeMs: 5 * MIN, failureTolerance: 2 },
    steps: [
      [0, 'success'],
      [HOUR, 'start'],
      [HOUR + 45 * MIN, 'tick'],
    ],
    said: [],
    state: 'UP',
    check: (h) => {
      assert.equal(h.rt.badRuns, 1);
      assert.equal(h.rt.expectedAt, 2 * HOUR + 5 * MIN);
    },
  },
  {
    name: 'a run that finishes after ran too long comes back up',
    rules: { maxRuntimeMs: 10 * MIN },
    steps: [
      [MIN, 'start'],
      [15 * MIN, 'success'],
    ],
    said: [/^down: ran too long/, 'up'],
    state: 'UP',
  },
  {
    name: 'failureTolerance 3: silent on two bad runs, a good run resets the count',
    rules: { failureTolerance: 3 },
    steps: [
      [MIN, 'fail', { exitStatus: 2 }],
      [2 * MIN, 'fail'],
      [3 * MIN, 'success'],
      [4 * MIN, 'fail'],
      [5 * MIN, 'fail'],
    ],
    said: [],
    state: 'UP',
    check: (h) => assert.equal(h.rt.badRuns, 2),
  },
  {
    name: 'failureTolerance 3: alerts on the third bad run in a row, whatever their kinds',
    rules: { failureTolerance: 3, maxRuntimeMs: 5 * MIN },
    steps: [
      [MIN, 'success'],
      [2 * MIN, 'fail'],
      [3 * MIN, 'start'],
      [8 * MIN, 'tick'],
      [9 * MIN, 'fail', { exitStatus: 9 }],
    ],
    said: ['down: failed with exit status 9'],
    state: 'DOWN',
  },
  {
    name: 'failureTolerance 3: three missed runs',
    rules: { failureTolerance: 3 },
    created: 0,
    steps: [
      [3 * HOUR + 29 * MIN, 'tick'],
      [3 * HOUR + 30 * MIN, 'tick'],
    ],
    said: [/^down: missed: expected at 1970-01-01T03:00:00.000Z/],
    state: 'DOWN',
  },
  {
    name: 'minRuntime: a run finished sooner ran too short',
    rules: { minRuntimeMs: 5 * MIN },
    steps: [
      [MIN, 'start'],
      [3 * MIN, 'success'],
    ],
    said: ['down: ran too short: 2m, expected at least 5m'],
    state: 'DOWN',
    check: (h) => assert.equal(h.last?.runDurationMs, 2 * MIN),
  },
  {
    name: 'minRuntime: a long enough run is good; one without a start is not measured',
    rules: { minRuntimeMs: 5 * MIN },
    steps: [
      [MIN, 'start'],
      [7 * MIN, 'success'],
      [HOUR, 'success'],
    ],
    said: [],
    state: 'UP',
  },
  {
    name:
      'tooOften true (half the period): a second daily success an hour later ran too often; ' +
      'the real run is still expected',
    rules: { period: DAY, tooOften: true },
    steps: [
      [HOUR, 'success'],
      [2 * HOUR, 'success'],
      [DAY + HOUR, 'success'],
    ],
    said: [/^down: ran too often: 23h before its expected time 1970-01-02T01:00:00.000Z$/, 'up'],
    state: 'UP',
  },
  {
    name: 'tooOften 2h on a Tokyo cron: 3h early is too often, 1h early is not',
    rules: { ...tokyo, tooOften: 2 * HOUR },
    created: jst(1, '12:00'),
    steps: [
      [jst(2, '03:00'), 'success'],
      [jst(3, '00:00'), 'success'],
      [jst(3, '02:00'), 'success'],
    ],
    said: [/^down: ran too often: 3h before its expected time 2026-06-02T18:00:00.000Z$/, 'up'],
    state: 'UP',
    check: (h) => assert.equal(h.rt.lastSuccessAt, jst(3, '02:00')),
  },
  {
    name: 'alertWhenLate: heartbeat.late at the expected time, then the down',
    rules: { alertWhenLate: true },
    created: 0,
    steps: [
      [HOUR, 'tick'],
      [2 * HOUR, 'tick'],
    ],
    said: ['late', /^down: missed/],
    state: 'DOWN',
    check: (h) =>
      assert.deepEqual(h.announced[0], {
        kind: 'heartbeat.late',
        reason: 'late: no ping yet',
        expectedAt: HOUR,
        at: HOUR,
      }),
  },
  { name: 'without alertWhenLate, LATE is silent', created: 0, steps: [[HOUR + MIN, 'tick']], said: [], state: 'LATE' },
  {
    name: 'paused: no deadlines, and with manualResume pings change nothing',
    rules: { manualResume: true },
    paused: true,
    steps: [
      [10 * DAY, 'tick'],
      [10 * DAY, 'success'],
      [10 * DAY + 1, 'fail'],
    ],
    said: [],
    state: 'PAUSED',
    check: (h) => {
      assert.equal(h.last?.ignored, true);
      assert.equal(nextDeadline(h.rt, h.r), null);
    },
  },
  {
    name: 'paused without manualResume: a log ping keeps the pause, a success lifts it',
    paused: true,
    steps: [
      [10 * DAY, 'log'],
      [10 * DAY + 1, 'tick'],
    ],
    said: [],
    state: 'PAUSED',
  },
  {
    name: 'paused without manualResume: a success lifts the pause and sets the next deadline from now',
    paused: true,
    steps: [[10 * DAY, 'success']],
    said: [],
    state: 'UP',
    check: (h) => assert.equal(nextDeadline(h.rt, h.r), 10 * DAY + HOUR),
  },
  {
    name: 'runs are measured by rid, else from the latest start; an unknown rid is not measured',
    steps: [
      [MIN, 'start', { rid: 'a' }],
      [2 * MIN, 'start', { rid: 'b' }],
      [9 * MIN, 'success', { rid: 'a' }],
    ],
    said: [],
    state: 'STARTED',
    check: (h) => {
      assert.equal(h.last?.runDurationMs, 8 * MIN);
      assert.equal(h.ping('success', 12 * MIN, { rid: 'zzz' }).runDurationMs, undefined);
      assert.equal(h.ping('success', 13 * MIN, { rid: 'b' }).runDurationMs, 11 * MIN);
      h.ping('start', 20 * MIN);
      h.ping('start', 21 * MIN);
      assert.equal(h.ping('success', 27 * MIN).runDurationMs, 6 * MIN);
      assert.equal(h.rt.state, 'UP');
    },
  },
  {
    name: 'a log ping changes nothing',
    steps: [
      [10 * MIN, 'success'],
      [20 * MIN, 'log'],
    ],
    said: [],
    state: 'UP',
  },
];

describe('heartbeat state machine', () => {
  for (const s of scenarios) {
    it(s.name, () => {
      const h = new Harness(rules(s.rules), s.created ?? 0, s.paused);
      for (const [at, what, more] of s.steps) {
        if (what === 'tick') h.tickTo(at);
        else h.ping(what, at, more);
      }
      const said = h.said();
      assert.equal(said.length, s.said.length, `announced ${JSON.stringify(said)}`);
      s.said.forEach((want, i) => {
        if (typeof want === 'string') assert.equal(said[i], want);
        else assert.match(said[i], want);
      });
      assert.equal(h.rt.state, s.state);
      s.check?.(h);
    });
  }
});

describe('heartbeat state machine across DST (America/New_York)', () => {
  const ny = (cron: string) => rules({ cron, tz: 'America/New_York', graceMs: 15 * MIN });
  // [what, cron, created, steps, announced, when the down is dated (or null)]
  const cases: [string, string, number, Step[], (string | RegExp)[], string | null][] = [
    [
      'spring forward, 02:30 job: a cron daemon runs it at 03:00 EDT; no alert',
      '30 2 * * *',
      t('2026-03-07T08:00:00Z'),
      [
        [t('2026-03-08T07:00:05Z'), 'success'],
        [t('2026-03-09T06:00:00Z'), 'tick'],
      ],
      [],
      null,
    ],
    [
      'spring forward, 02:30 job: no ping, missed at 03:00 EDT + grace',
      '30 2 * * *',
      t('2026-03-07T08:00:00Z'),
      [[t('2026-03-08T09:00:00Z'), 'tick']],
      [/^down: missed: expected at 2026-03-08T07:00:00.000Z/],
      '2026-03-08T07:15:00.000Z',
    ],
    [
      'spring forward, 01:30 job: missed at 01:30 EST + grace',
      '30 1 * * *',
      t('2026-03-07T08:00:00Z'),
      [[t('2026-03-08T09:00:00Z'), 'tick']],
      [/^down: missed/],
      '2026-03-08T06:45:00.000Z',
    ],
    [
      'fall back, 01:30 job: one run at 01:30 EDT; a second at 01:30 EST is not expected',
      '30 1 * * *',
      t('2026-10-31T08:00:00Z'),
      [
        [t('2026-11-01T05:30:05Z'), 'success'],
        [t('2026-11-02T05:00:00Z'), 'tick'],
      ],
      [],
      null,
    ],
    [
      'fall back, 01:30 job: no ping, missed at 01:30 EDT + grace',
      '30 1 * * *',
      t('2026-10-31T08:00:00Z'),
      [[t('2026-11-01T12:00:00Z'), 'tick']],
      [/^down: missed/],
      '2026-11-01T05:45:00.000Z',
    ],
    [
      'fall back, 02:30 job: missed at 02:30 EST + grace',
      '30 2 * * *',
      t('2026-10-31T08:00:00Z'),
      [[t('2026-11-01T12:00:00Z'), 'tick']],
      [/^down: missed/],
      '2026-11-01T07:45:00.000Z',
    ],
  ];
  for (const [what, cron, created, steps, said, downAt] of cases) {
    it(what, () => {
      const h = new Harness(ny(cron), created);
      for (const [at, kind, more] of steps) {
        if (kind === 'tick') h.tickTo(at);
        else h.ping(kind, at, more);
      }
      assert.equal(h.said().length, said.length, JSON.stringify(h.said()));
      said.forEach((want, i) => {
        assert.match(h.said()[i], want as RegExp);
      });
      if (downAt) assert.equal(iso((h.announced[0] as { deadline: number }).deadline), downAt);
    });
  }
});
