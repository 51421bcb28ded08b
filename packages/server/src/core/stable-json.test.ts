import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stableJson } from './stable-json.js';

describe('stable JSON', () => {
  it('prints objects with their keys sorted, at every depth', () => {
    assert.equal(
      stableJson({ b: 1, a: { d: [1, { f: 2, e: 1 }], c: null } }),
      '{"a":{"c":null,"d":[1,{"e":1,"f":2}]},"b":1}',
    );
  });

  it('prints the same for values that mean the same', () => {
    assert.equal(stableJson({ a: 1, b: undefined }), stableJson({ a: 1 }));
    assert.notEqual(stableJson({ a: 1, b: null }), stableJson({ a: 1 }));
    assert.notEqual(stableJson([1, 2]), stableJson([2, 1]));
  });

  it('prints scalars as JSON does', () => {
    assert.equal(stableJson('x"y'), '"x\\"y"');
    assert.equal(stableJson(3), '3');
    assert.equal(stableJson(undefined), undefined);
  });
});
