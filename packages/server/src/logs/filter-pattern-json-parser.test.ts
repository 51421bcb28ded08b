// The JSON examples of AWS's filter-pattern documentation (current and earlier page), matching and not.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileFilterPattern, compileJsonSelector, createFilterEvent } from './filter-pattern.js';

function check(pattern: string, yes: unknown[], no: unknown[]): void {
  const p = compileFilterPattern(pattern);
  const run = (j: unknown) => p.matches(createFilterEvent(JSON.stringify(j)));
  for (const j of yes) assert.equal(run(j), true, `${pattern} ~ ${JSON.stringify(j)}`);
  for (const j of no) assert.equal(run(j), false, `${pattern} !~ ${JSON.stringify(j)}`);
}

const EVENT = {
  eventType: 'UpdateTrail',
  sourceIPAddress: '111.111.111.111',
  arrayKey: ['value', 'another value'],
  objectList: [
    { name: 'a', id: 1 },
    { name: 'b', id: 2 },
  ],
  SomeObject: null,
  ThisFlag: true,
  'cluster.name': 'c',
};
const OTHER = {
  eventType: 'CreateTrail',
  sourceIPAddress: '123.123.0.7',
  arrayKey: 'value',
  objectList: [{ id: 2 }, { name: 'b' }],
  SomeObject: {},
  SomeOtherObject: 1,
  ThisFlag: false,
  'cluster.name': 'd',
};

describe('filter patterns: JSON strings, selectors, IS and NOT EXISTS', () => {
  it('matches the documented JSON log event', () => {
    check('{ $.eventType = "UpdateTrail" }', [EVENT], [OTHER]);
    check('{ $.eventType = UpdateTrail }', [EVENT], [OTHER]);
    check('{ $.sourceIPAddress != 123.123.* }', [EVENT], [OTHER]);
    check('{ $.arrayKey[0] = "value" }', [EVENT], [OTHER]);
    check('{ $.objectList[1].id = 2 }', [EVENT], [OTHER]);
    check('{ $.SomeObject IS NULL }', [EVENT], [OTHER]);
    check('{ $.SomeOtherObject NOT EXISTS }', [EVENT], [OTHER]);
    check('{ $.ThisFlag IS TRUE }', [EVENT], [OTHER]);
    check('{ $.ThisFlag IS FALSE }', [OTHER], [EVENT]);
    check('{ $.eventType = %Trail% }', [EVENT, OTHER], [{ eventType: 'Trial' }]);
    check('{ $.arrayKey[*] = %val.{2}% }', [EVENT], [OTHER, { arrayKey: ['va'] }]);
    check('{ $.* = %111\\.111\\.111\\.1[0-9]{1,2}% }', [EVENT], [OTHER]);
    check('{ $.[\'cluster.name\'] = "c" }', [EVENT], [OTHER]);
  });
  it('matches OR within JSON', () => {
    check('{$.foo = bar}', [{ foo: 'bar' }], [{ foo: 'baz' }]);
    check('{$.foo = baz }', [{ foo: 'baz' }], [{ foo: 'bar' }]);
    check('{$.foo = bar || $.foo = baz }', [{ foo: 'bar' }, { foo: 'baz' }], [{ foo: 'qux' }]);
  });
  it('uses * as a wildcard at the start or the end of a string only', () => {
    check('{ $.e = *Event }', [{ e: 'PutEvent' }, { e: 'GetEvent' }], [{ e: 'EventId' }]);
    check('{ $.e = Event* }', [{ e: 'EventId' }, { e: 'EventName' }], [{ e: 'PutEvent' }]);
    check('{ $.e = "Ev*ent" }', [{ e: 'Ev*ent' }], [{ e: 'Event' }, { e: 'EvXent' }]);
    check('{ $.latency = * }', [{ latency: 12 }, { latency: 'x' }], [{}, { latency: null }, { latency: [1] }]);
  });
  it('never matches a selector that points to an array or an object, with = or !=', () => {
    check('{$.users = 1}', [{ users: 1 }], [{ users: [1, 2, 3] }, { users: { a: 1 } }]);
    check('{$.users != 1}', [{ users: 2 }], [{ users: [1, 2, 3] }, {}]);
  });
  it('compounds with && over ||, and parentheses', () => {
    const doc = {
      user: { id: 1, email: 'John.Stiles@example.com' },
      users: [
        { id: 2, email: 'John.Doe@example.com' },
        { id: 3, email: 'Jane.Doe@example.com' },
      ],
      actions: ['GET', 'PUT', 'DELETE'],
      coordinates: [
        [0, 1, 2],
        [4, 5, 6],
        [7, 8, 9],
      ],
    };
    const other = { ...doc, user: { id: 9, email: 'x@example.com' }, actions: ['GET', 'PUT', 'nonmatch'] };
    check('{ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") }', [doc], [other]);
    check('{ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" }', [], [doc, other]);
    const stiles = '$.user.email = "John.Stiles@example.com"';
    const or = `${stiles} || $.coordinates[0][1] = "nonmatch" && $.actions[2] = "nonmatch"`;
    check(`{ ${or} }`, [doc], [other]);
    check(`{ ${or.replaceAll('"nonmatch"', 'nonmatch')} }`, [doc], [other]);
    const and = `(${stiles} || $.coordinates[0][1] = "nonmatch") && $.actions[2] = "nonmatch"`;
    check(`{ ${and} }`, [{ ...doc, actions: ['a', 'b', 'nonmatch'] }], [doc]);
    check(`{ (${stiles} || $.coordinates[0][1] = nonmatch) && $.actions[2] = nomatch }`, [], [doc]);
    check('{ $.coordinates[0][1] = 1 }', [doc], [other.user]);
  });
});

describe('filter patterns: JSON numbers', () => {
  it('compares numbers with every operator and notation the documentation shows', () => {
    check('{ $.bandwidth > 75 }', [{ bandwidth: 76 }], [{ bandwidth: 75 }, { bandwidth: 'x' }]);
    check('{ $.latency < 50 }', [{ latency: 49.9 }], [{ latency: 50 }]);
    check('{ $.refreshRate >= 60 }', [{ refreshRate: 60 }], [{ refreshRate: 59 }]);
    check('{ $.responseTime <= 5 }', [{ responseTime: 5 }], [{ responseTime: 6 }]);
    check('{ $.errorCode = 400}', [{ errorCode: 400 }, { errorCode: '400' }], [{ errorCode: 401 }]);
    check('{ $.errorCode != 500 }', [{ errorCode: 400 }, { errorCode: 'oops' }], [{ errorCode: 500 }, {}]);
    check('{ $.number[0] = 1e+3 }', [{ number: [1000] }], [{ number: [1] }]);
    check('{ $.number[0] != 1e-3 }', [{ number: [1] }], [{ number: [0.001] }]);
    check('{ $.latency >= 500 }', [{ latency: 500 }], [{ latency: 499 }]);
    check('{ $.numbers[0] < 10e3 }', [{ numbers: [9999] }], [{ numbers: [10000] }]);
    check('{ $.numbers[0] < 10e-3 }', [{ numbers: [0.001] }], [{ numbers: [0.01] }]);
    check('{ $.processes[4].averageRuntime <= 55.5 }', [{ processes: [0, 0, 0, 0, { averageRuntime: 55.5 }] }], [{}]);
    check('{ $.latency > +1000 }', [{ latency: 1001 }], [{ latency: 1000 }]);
    check('{ $.latency > -1.5 }', [{ latency: -1 }], [{ latency: -2 }]);
    check('{ $.status = 4* }', [{ status: 404 }], [{ status: 500 }]);
  });
  it('does not match a message that is not a JSON object', () => {
    const p = compileFilterPattern('{ $.a NOT EXISTS }');
    assert.equal(p.matches(createFilterEvent('plain text')), false);
    assert.equal(p.matches(createFilterEvent('{"broken"')), false);
    assert.equal(p.matches(createFilterEvent('ignored', { b: 1 })), true, 'a parsed object passed in is used');
  });
  it('rejects what the grammar and quotas refuse, naming the position', () => {
    for (const [pattern, at] of [
      ['{ $.a IS NOT NULL }', 10],
      ['{ $.a EXISTS }', 7],
      ['{ $.a > "x" }', 9],
      ['{ $.a = }', 9],
      ['{ a = 1 }', 3],
      ['{ $.a = 1 ', 11],
      ['{ $.a = 1 } x', 13],
      ['{ $.a[*].b[*] = 1 }', 3],
      ['{ $.a.* = 1 || $.b.* = 1 || $.c.* = 1 || $.d.* = 1 }', 42],
      ['{ $.a = @x }', 9],
      ['{ ($.a = 1 }', 12],
      ['{ $ = 1 }', 4],
    ] as const) {
      assert.throws(
        () => compileFilterPattern(pattern),
        (e: any) => e.code === 'validation_failed' && e.message.includes(`character ${at}`),
        pattern,
      );
    }
  });
});

describe('filter patterns: JSON selectors on their own', () => {
  it('selects values for metric filters, wildcards included', () => {
    const doc = { latency: 12, http: { status: 500, method: 'GET' }, users: [{ id: 1 }, { id: 2 }] };
    assert.deepEqual(compileJsonSelector('$.latency')(doc), [12]);
    assert.deepEqual(compileJsonSelector('$.users[*].id')(doc), [1, 2]);
    assert.deepEqual(compileJsonSelector(' $.http.* ')(doc), [500, 'GET']);
    assert.deepEqual(compileJsonSelector('$.missing')(doc), []);
    assert.throws(() => compileJsonSelector('$.a b'), /character 4/);
  });
  it('matches $.a.* over an object’s values', () => {
    check('{ $.http.* = 500 }', [{ http: { status: 500 } }], [{ http: { status: 200 } }, { http: 500 }]);
  });
});
