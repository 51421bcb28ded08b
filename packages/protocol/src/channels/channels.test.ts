import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { channelDefinitions, protocols, secretFields, subscriptionInputSchema } from './index.js';

/** The keys a channel's schema takes at its top level. */
function keysOf(schema: z.ZodType): string[] {
  assert.ok(schema instanceof z.ZodObject, 'a channel schema is an object');
  return Object.keys(schema.shape);
}

describe('channel definitions', () => {
  it('each is the schema of its own protocol, once', () => {
    assert.equal(new Set(protocols).size, protocols.length);
    for (const d of channelDefinitions) {
      const shape = (d.schema as z.ZodObject).shape as Record<string, z.ZodType>;
      assert.ok(shape.protocol instanceof z.ZodLiteral, `${d.protocol}: protocol is a literal`);
      assert.deepEqual([...shape.protocol.values], [d.protocol]);
      assert.ok(d.label.trim(), `${d.protocol}: a label`);
    }
  });

  it('names only fields its schema has, in the form and among the secrets', () => {
    for (const d of channelDefinitions) {
      const keys = keysOf(d.schema);
      for (const f of d.fields) assert.ok(keys.includes(f.name), `${d.protocol}: the form's ${f.name} is a field`);
      for (const s of d.secrets) assert.ok(keys.includes(s), `${d.protocol}: the secret ${s} is a field`);
      assert.deepEqual(secretFields[d.protocol], d.secrets);
      assert.equal(new Set(d.fields.map((f) => f.name)).size, d.fields.length, `${d.protocol}: fields once each`);
      for (const f of d.fields)
        if (f.kind === 'select') assert.ok(f.options?.length, `${d.protocol}: ${f.name} offers options`);
    }
  });

  it('marks required in the form exactly what the schema requires', () => {
    for (const d of channelDefinitions) {
      const parsed = subscriptionInputSchema.safeParse({ protocol: d.protocol });
      const missing = new Set(
        parsed.success ? [] : parsed.error.issues.filter((i) => i.path.length === 1).map((i) => String(i.path[0])),
      );
      for (const f of d.fields)
        assert.equal(missing.has(f.name), f.required === true, `${d.protocol}: ${f.name} required in both or neither`);
    }
  });

  it('refuses an unknown protocol, naming it', () => {
    const parsed = subscriptionInputSchema.safeParse({ protocol: 'carrier-pigeon' });
    assert.equal(parsed.success, false);
    assert.deepEqual(!parsed.success && parsed.error.issues[0]?.path, ['protocol']);
  });
});
