import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TocsinError } from '../core/errors.js';
import { changedKeys, checkUniqueNames, planByName, storedByName, type ByNamePlanner } from './config-planner.js';

interface Item {
  name: string;
  size: number;
}

const done: string[] = [];
const planner: ByNamePlanner<Item, Item> = {
  resource: 'thing',
  nameOf: (s) => s.name,
  diff: (s, w) => (s.size === w.size ? undefined : { fields: changedKeys(s, w) }),
  create: (w) => async () => done.push(`create ${w.name}`),
  update: (w) => async () => done.push(`update ${w.name}`),
  remove: (s) => async () => done.push(`remove ${s.name}`),
};

/** Stored items whose whole list may be read only when pruning (a plan must cost what the file holds). */
function indexedOnly(items: Item[], walks: { count: number }) {
  const stored = storedByName(items, (s) => s.name);
  return {
    get: stored.get,
    all() {
      walks.count++;
      return stored.all();
    },
  };
}

describe('config planner', () => {
  const stored = [
    { name: 'a', size: 1 },
    { name: 'b', size: 2 },
    { name: 'c', size: 3 },
  ];

  it('creates, updates and leaves alone by name, in the file order, without walking what is stored', async () => {
    const walks = { count: 0 };
    const plan = planByName(
      [
        { name: 'd', size: 4 },
        { name: 'b', size: 5 },
        { name: 'a', size: 1 },
      ],
      indexedOnly(stored, walks),
      false,
      planner,
    );
    assert.deepEqual(plan.changes, [
      { action: 'create', resource: 'thing', name: 'd' },
      { action: 'update', resource: 'thing', name: 'b', fields: ['size'] },
    ]);
    assert.equal(walks.count, 0);
    done.length = 0;
    await plan.apply(undefined as never);
    assert.deepEqual(done, ['create d', 'update b']);
  });

  it('with prune, deletes what the file leaves out, in the order the section asks', () => {
    const plan = planByName(
      [{ name: 'b', size: 2 }],
      storedByName(stored, (s) => s.name),
      true,
      { ...planner, deleteOrder: (doomed) => [...doomed].reverse() },
    );
    assert.deepEqual(plan.changes, [
      { action: 'delete', resource: 'thing', name: 'c' },
      { action: 'delete', resource: 'thing', name: 'a' },
    ]);
  });

  it('refuses every deletion a section refuses, naming each', () => {
    const refuseDelete = (s: Item) => (s.size > 0 ? { path: 'things', message: `keep '${s.name}'` } : undefined);
    assert.throws(
      () =>
        planByName(
          [],
          storedByName(stored, (s) => s.name),
          true,
          { ...planner, refuseDelete },
        ),
      (err: unknown) =>
        err instanceof TocsinError && err.message === "things: keep 'a'; things: keep 'b'; things: keep 'c'",
    );
  });

  it('gives an update line only the details the section gives (no fields key when none)', () => {
    const plan = planByName(
      [{ name: 'a', size: 9 }],
      storedByName(stored, (s) => s.name),
      false,
      { ...planner, diff: () => ({}) },
    );
    assert.deepEqual(plan.changes, [{ action: 'update', resource: 'thing', name: 'a' }]);
    assert.equal('fields' in plan.changes[0], false);
  });

  it('names every item declared twice and every item that does not parse, in the order of the items', () => {
    const parse = (item: unknown, path: string): Item => {
      if (typeof item !== 'string')
        throw new TocsinError('validation_failed', 'bad', { issues: [{ path, message: 'must be a string' }] });
      return { name: item, size: 0 };
    };
    assert.deepEqual(checkUniqueNames('things', 'thing', ['x', 'y', 3, 'x', 'y'], parse), [
      { path: 'things.2', message: 'must be a string' },
      { path: 'things.3.name', message: "thing 'x' is declared twice" },
      { path: 'things.4.name', message: "thing 'y' is declared twice" },
    ]);
  });

  it('lists the changed fields sorted, with values compared by meaning (key order, undefined members)', () => {
    assert.deepEqual(changedKeys({ b: { x: 1, y: 2 }, a: 1, c: undefined }, { a: 2, b: { y: 2, x: 1 } }), ['a']);
    assert.deepEqual(changedKeys({ z: [1], a: 'x' }, { a: 'y', z: [2], n: 1 }), ['a', 'n', 'z']);
  });
});
