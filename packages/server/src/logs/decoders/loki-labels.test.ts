import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatLabels, isLabelName, LabelSyntaxError, parseLabels } from './loki-labels.js';

describe('Loki label sets', () => {
  it('parses label sets as Promtail writes them', () => {
    assert.deepEqual(parseLabels('{filename="/var/log/syslog", job="varlogs"}'), {
      filename: '/var/log/syslog',
      job: 'varlogs',
    });
    assert.deepEqual(parseLabels(' { a = "1" ,b="2", } '), { a: '1', b: '2' }, 'spaces and a trailing comma');
    assert.deepEqual(parseLabels('{}'), {});
    assert.deepEqual(parseLabels('{a="x", a="y"}'), { a: 'y' });
  });

  it("reads Go's escapes and raw strings", () => {
    assert.deepEqual(parseLabels('{q="say \\"hi\\"", p="C:\\\\tmp", n="a\\nb\\tc"}'), {
      q: 'say "hi"',
      p: 'C:\\tmp',
      n: 'a\nb\tc',
    });
    assert.deepEqual(parseLabels('{u="caf\\u00e9 \\U0001F600", x="\\x41", o="\\101"}'), {
      u: 'café 😀',
      x: 'A',
      o: 'A',
    });
    assert.deepEqual(parseLabels('{r=`raw \\n "as is"`}'), { r: 'raw \\n "as is"' });
  });

  it('says where a label set breaks', () => {
    const cases: [string, RegExp][] = [
      ['job="x"', /'\{' expected at 0/],
      ['{job="x"', /',' or '\}' expected at 8/],
      ['{job=~"x"}', /'=' expected at 4/],
      ['{job!="x"}', /'=' expected at 4/],
      ['{1job="x"}', /label name expected at 1/],
      ['{job="x}', /unterminated value at 5/],
      ['{job=x}', /quoted value expected at 5/],
      ['{job="\\q"}', /unknown escape \\q at 6/],
      ['{job="\\uD800"}', /invalid code point/],
      ['{job="x"} extra', /text after/],
    ];
    for (const [text, message] of cases)
      assert.throws(
        () => parseLabels(text),
        (err: unknown) => err instanceof LabelSyntaxError && message.test(err.message),
        text,
      );
  });

  it('prints a set sorted, and round-trips through the parser', () => {
    const labels = { job: 'api', env: 'prod', path: 'C:\\x "y"\n' };
    const text = formatLabels(labels);
    assert.equal(text, '{env="prod", job="api", path="C:\\\\x \\"y\\"\\n"}');
    assert.deepEqual(parseLabels(text), labels);
    assert.equal(isLabelName('service_name'), true);
    assert.equal(isLabelName('service.name'), false);
  });
});
