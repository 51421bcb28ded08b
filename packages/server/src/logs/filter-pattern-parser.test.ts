// The space-delimited examples of AWS's filter-pattern documentation (current and earlier page), the
// extracted values it shows, and the parser's errors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileFilterPattern, createFilterEvent } from './filter-pattern.js';
import { parseFilterPattern } from './filter-pattern-parser.js';
import { MAX_FILTER_PATTERN_LENGTH } from './filter-pattern-syntax.js';

function check(pattern: string, yes: string[], no: string[]): void {
  const p = compileFilterPattern(pattern);
  for (const m of yes) assert.equal(p.matches(createFilterEvent(m)), true, `${pattern} should match ${m}`);
  for (const m of no) assert.equal(p.matches(createFilterEvent(m)), false, `${pattern} should not match ${m}`);
}

const HTML_404 = '127.0.0.1 Prod frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534';
const HTML_410 = HTML_404.replace(' 404 ', ' 410 ');
const HTML_500 = HTML_404.replace(' 404 ', ' 500 ');
const GIF_200 = '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534';
const GIF_500 = '127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] "GET /apache_pb.gif HTTP/1.0" 500 5324';
const GIF_200B = '127.0.0.1 - frank [10/Oct/2000:13:50:35 -0700] "GET /apache_pb.gif HTTP/1.0" 200 4355';
const GET = 'INFO 09/25/2014 12:00:00 GET /service/resource/67 1200';
const POST = 'INFO 09/25/2014 12:00:01 POST /service/resource/67/part/111 1310';
const WARNING = 'WARNING 09/25/2014 12:00:02 Invalid user request';
const ERROR = 'ERROR 09/25/2014 12:00:02 Failed to process request';

describe('filter patterns: space-delimited log events', () => {
  it('matches the current page examples', () => {
    const ip = 'ip=%127\\.0\\.0\\.[1-9]%';
    check(`[${ip}, user, username, timestamp, request =*.html*, status_code = 4*, bytes]`, [HTML_404], [HTML_500]);
    const otherIp = HTML_404.replace('127.0.0.1', '127.0.0.0');
    check(`[${ip}, user, username, timestamp, request, status_code, bytes]`, [HTML_404], [otherIp]);
    check('[..., request =*.html*, status_code = 4*, bytes]', [HTML_404], [HTML_500, GIF_200]);
    const either = '[ip, user, username, timestamp, request =*.html*, status_code = 404 || status_code = 410, bytes]';
    check(either, [HTML_404, HTML_410], [HTML_500]);
    check('[w1=ERROR, w2]', [ERROR, 'ERROR message', 'ERROR WARN message'], [GET, WARNING, 'ERROR', 'WARN message']);
    check('[w1=ERROR || w1=WARNING, w2]', [ERROR, WARNING], [GET, POST]);
    check('[w1!=ERROR && w1!=WARNING, w2]', [GET, POST], [ERROR, WARNING]);
    check('[logLevel, date, time, method, url=%/service/resource/[0-9]+$%, response_time]', [GET], [POST, WARNING]);
    check('[logLevel, date, time, method, url=%/service/resource/[0-9]+/part/[0-9]+$%, response_time]', [POST], [GET]);
  });
  it('matches the earlier page examples', () => {
    const all = [GIF_200, GIF_500, GIF_200B];
    check('[ip, user, username, timestamp, request, status_code, bytes]', all, ['a b c']);
    check('[..., status_code, bytes]', [...all, 'a b'], ['a']);
    check('[ip, user, ..., status_code, bytes]', all, ['a b c']);
    check('[ip, user, ...]', [...all, 'a b'], ['a']);
    check('[ip, user, username, timestamp, request, status_code, bytes > 1000]', all, [GIF_200.replace('1534', '999')]);
    check('[ip, user, username, timestamp, request, status_code = 200, bytes]', [GIF_200, GIF_200B], [GIF_500]);
    check('[ip, user, username, timestamp, request, status_code = 4*, bytes]', [HTML_404], all);
    check('[ip, user, username, timestamp, request = *html*, status_code = 4*, bytes]', [HTML_404], [GIF_200]);
    check(
      '[ip, user, username, timestamp, request, status_code = 4* && status_code != 403, bytes]',
      [HTML_404],
      [HTML_404.replace(' 404 ', ' 403 ')],
    );
    check('[ip, user, username, timestamp, request, status_code = 403 || status_code = 404, bytes]', [HTML_404], all);
    check(
      '[ip, user, username, timestamp, request, status_code = 4* && bytes > 1000, bytes]',
      [HTML_404],
      [HTML_404.replace('1534', '10')],
    );
  });
  it('takes several ellipses, each any number of values', () => {
    check('[a, ..., b = x, ..., c]', ['1 2 x 3 4', '1 x 2', '1 2 3 x 5'], ['1 2 3', 'x 1', '1 x']);
    check('[..., a = x, ...]', ['p x q', 'x', 'p q x'], ['p q', '']);
    assert.deepEqual(compileFilterPattern('[..., a = x, ...]').extract(createFilterEvent('p x q')), {
      $1: 'p',
      $a: 'x',
      $3: 'q',
    });
  });
  it('extracts the values CloudWatch shows for [..., request=*.html*, status_code=4*,]', () => {
    const p = compileFilterPattern('[..., request=*.html*, status_code=4*,]');
    const event = createFilterEvent(GIF_200.replace('apache_pb.gif', 'index.html').replace(' 200 ', ' 404 '));
    assert.deepEqual(p.extract(event), {
      $status_code: '404',
      $request: 'GET /index.html HTTP/1.0',
      $7: '1534',
      $4: '10/Oct/2000:13:25:15 -0700',
      $3: 'frank',
      $2: '-',
      $1: '127.0.0.1',
    });
    assert.equal(p.extract(createFilterEvent(GIF_200)), undefined);
    assert.deepEqual(compileFilterPattern('[w1=ERROR, w2]').extract(createFilterEvent('ERROR WARN  message ')), {
      $w1: 'ERROR',
      $w2: 'WARN  message',
    });
  });
  it('rejects malformed delimited patterns, naming the position', () => {
    for (const [pattern, at] of [
      ['[]', 1],
      ['[a, a]', 5],
      ['[a = 1 && b > 2]', 11],
      ['[a > x]', 6],
      ['[a b]', 4],
      ['[a, b', 6],
      ['[a] x', 5],
      ['[a = ]', 6],
    ] as const) {
      assert.throws(
        () => compileFilterPattern(pattern),
        (e: any) => e.code === 'validation_failed' && e.message.includes(`character ${at}`),
        pattern,
      );
    }
  });
});

describe('filter patterns: documented quotas', () => {
  it('refuses a pattern over 1,024 characters and a third regex', () => {
    assert.doesNotThrow(() => parseFilterPattern('a'.repeat(MAX_FILTER_PATTERN_LENGTH)));
    assert.throws(() => parseFilterPattern('a'.repeat(MAX_FILTER_PATTERN_LENGTH + 1)), /at most 1024 characters/);
    assert.equal(parseFilterPattern('{ $.a = %x% || $.b = %y% }').regexCount, 2);
    const three = '{ $.a = %x% || $.b = %y% || $.c = %z% }';
    assert.throws(() => parseFilterPattern(three), /at most 2 regular.*character 35/);
    assert.throws(() => parseFilterPattern('[a=%x%, b=%y%, c=%z%]'), /at most 2 regular/);
  });
  it('says whether a pattern uses regex', () => {
    assert.equal(compileFilterPattern('%a%').usesRegex, true);
    assert.equal(compileFilterPattern('a').usesRegex, false);
    assert.equal(compileFilterPattern('[a, b]').kind, 'delimited');
  });
});
