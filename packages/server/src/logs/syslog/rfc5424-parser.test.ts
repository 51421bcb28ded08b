import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRfc5424, structuredDataPrefix, timestampOf } from './rfc5424-parser.js';

const BOM = '\uFEFF';

function ok(text: string) {
  const r = parseRfc5424(text);
  if (!r.ok) assert.fail(r.reason);
  return r.value;
}

function bad(text: string, pattern: RegExp, validUtf8 = true): void {
  const r = parseRfc5424(text, validUtf8);
  assert.equal(r.ok, false, `should be refused: ${text}`);
  if (!r.ok) assert.match(r.reason, pattern);
}

const head = '2003-10-11T22:14:15.003Z mymachine.example.com';
const exampleSd = '[exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"]';

describe('RFC 5424 parser', () => {
  it('§6.5 example 1: no structured data, a BOM before the UTF-8 MSG', () => {
    assert.deepEqual(ok(`<34>1 ${head} su - ID47 - ${BOM}'su root' failed for lonvick on /dev/pts/8`), {
      facility: 4,
      severity: 2,
      version: 1,
      timestamp: Date.UTC(2003, 9, 11, 22, 14, 15, 3),
      hostname: 'mymachine.example.com',
      appName: 'su',
      msgId: 'ID47',
      message: "'su root' failed for lonvick on /dev/pts/8",
      utf8: true,
    });
  });

  it('§6.5 example 2: microseconds and an offset, PROCID, no MSGID, a non-UTF-8 MSG', () => {
    assert.deepEqual(
      ok("<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts."),
      {
        facility: 20,
        severity: 5,
        version: 1,
        timestamp: Date.UTC(2003, 7, 24, 12, 14, 15, 0),
        hostname: '192.0.2.1',
        appName: 'myproc',
        procId: '8710',
        message: "%% It's time to make the do-nuts.",
        utf8: false,
      },
    );
  });

  it('§6.5 example 3: structured data and a message', () => {
    const m = ok(`<165>1 ${head} evntslog - ID47 ${exampleSd} ${BOM}An application event log entry...`);
    assert.equal(m.appName, 'evntslog');
    assert.equal(m.procId, undefined);
    assert.deepEqual(m.structuredData, {
      'exampleSDID@32473': { iut: '3', eventSource: 'Application', eventID: '1011' },
    });
    assert.equal(m.message, 'An application event log entry...');
  });

  it('§6.5 example 4: two SD elements and no MSG', () => {
    const m = ok(`<165>1 ${head} evntslog - ID47 ${exampleSd}[examplePriority@32473 class="high"]`);
    assert.deepEqual(m.structuredData, {
      'exampleSDID@32473': { iut: '3', eventSource: 'Application', eventID: '1011' },
      'examplePriority@32473': { class: 'high' },
    });
    assert.equal(m.message, '');
  });

  it('all NILVALUEs', () => {
    assert.deepEqual(ok('<0>1 - - - - - -'), { facility: 0, severity: 0, version: 1, message: '', utf8: false });
    assert.equal(ok('<191>1 - - - - - - x').severity, 7);
  });

  it('§6.2.3.1 timestamps: the valid ones, and the one with too many fraction digits', () => {
    assert.equal(timestampOf('1985-04-12T23:20:50.52Z'), Date.UTC(1985, 3, 12, 23, 20, 50, 520));
    assert.equal(timestampOf('1985-04-12T19:20:50.52-04:00'), Date.UTC(1985, 3, 12, 23, 20, 50, 520));
    assert.equal(timestampOf('2003-10-11T22:14:15.003Z'), Date.UTC(2003, 9, 11, 22, 14, 15, 3));
    assert.equal(timestampOf('2003-08-24T05:14:15.000003-07:00'), Date.UTC(2003, 7, 24, 12, 14, 15));
    bad('<34>1 2003-08-24T05:14:15.000000003-07:00 h a p m - x', /at most 6 fraction digits/);
  });

  it('§6.2.3 timestamp rules: no leap second, upper-case T and Z, real dates, an offset', () => {
    bad('<34>1 1990-12-31T23:59:60Z h a p m -', /leap seconds are not allowed/);
    bad('<34>1 2003-10-11t22:14:15Z h a p m -', /is not YYYY-MM-DD/);
    bad('<34>1 2003-10-11T22:14:15z h a p m -', /is not YYYY-MM-DD/);
    bad('<34>1 2003-02-29T22:14:15Z h a p m -', /date that does not exist/);
    bad('<34>1 2003-10-11T24:14:15Z h a p m -', /time out of range/);
    bad('<34>1 2003-10-11T22:14:15 h a p m -', /is not YYYY-MM-DD/);
    bad('<34>1 2003-10-11T22:14:15+25:00 h a p m -', /offset out of range/);
    assert.equal(ok('<34>1 2004-02-29T00:00:00Z h a p m -').timestamp, Date.UTC(2004, 1, 29));
  });

  it('§6.3.5 structured data: the valid examples, and the two invalid ones', () => {
    assert.equal(structuredDataPrefix(exampleSd).length, exampleSd.length);
    const two = `${exampleSd}[examplePriority@32473 class="high"]`;
    assert.equal(structuredDataPrefix(two).length, two.length);
    // A space between elements ends the STRUCTURED-DATA: what follows is not part of it.
    const spaced = `${exampleSd} [examplePriority@32473 class="high"]`;
    assert.equal(structuredDataPrefix(spaced).length, exampleSd.length);
    assert.throws(() => structuredDataPrefix(`[ exampleSDID@32473 iut="3"]${two}`), /SD-ID is empty/);
  });

  it('§7 examples: timeQuality, and origin with a repeated parameter', () => {
    const sd = (text: string) => ok(`<34>1 - - - - - ${text}`).structuredData;
    assert.deepEqual(sd('[timeQuality tzKnown="0" isSynced="0"]'), { timeQuality: { tzKnown: '0', isSynced: '0' } });
    assert.deepEqual(sd('[timeQuality tzKnown="1" isSynced="1" syncAccuracy="60000000"]'), {
      timeQuality: { tzKnown: '1', isSynced: '1', syncAccuracy: '60000000' },
    });
    assert.deepEqual(sd('[origin ip="192.0.2.1" ip="192.0.2.129"]'), { origin: { ip: ['192.0.2.1', '192.0.2.129'] } });
  });

  it('§6.3.3 escapes in PARAM-VALUE: \\" \\\\ \\] unescaped, another backslash kept, UTF-8 values', () => {
    const m = ok('<34>1 - - - - - [x@1 a="say \\"hi\\"" b="C:\\\\dir" c="[1\\]" d="\\n" e="café ]"] msg');
    assert.deepEqual(m.structuredData, { 'x@1': { a: 'say "hi"', b: 'C:\\dir', c: '[1]', d: '\\n', e: 'café ]' } });
    assert.equal(m.message, 'msg');
  });

  it('refuses malformed messages, each with its reason', () => {
    bad('<34>2 - - - - - -', /VERSION 2 is not supported/);
    bad('<192>1 - - - - - -', /PRI <192> is not 0–191/);
    bad('<034>1 - - - - - -', /PRI <034>/);
    bad('<34>1 - - - -', /no space after PROCID/);
    bad('<34>1 - - - - -', /no space after MSGID/);
    bad('<34>1 -  - - - -', /HOSTNAME is empty/);
    bad(`<34>1 - ${'h'.repeat(256)} - - - -`, /HOSTNAME is longer than 255/);
    bad(`<34>1 - - ${'a'.repeat(49)} - - -`, /APP-NAME is longer than 48/);
    bad(`<34>1 - - - ${'p'.repeat(129)} - -`, /PROCID is longer than 128/);
    bad(`<34>1 - - - - ${'m'.repeat(33)} -`, /MSGID is longer than 32/);
    bad('<34>1 - hôte - - - -', /HOSTNAME has characters outside printable US-ASCII/);
    bad('<34>1 - - - - - x', /STRUCTURED-DATA must be - or start with \[/);
    bad('<34>1 - - - - - -x', /STRUCTURED-DATA must be - or start with \[/);
    bad('<34>1 - - - - - [a b="1"]x', /a space must follow STRUCTURED-DATA/);
    bad('<34>1 - - - - - [a b="1"', /\[a\] must end with \]/);
    bad('<34>1 - - - - - [a b=1]', /\[a\] b must be followed by ="/);
    bad('<34>1 - - - - - [a b="1]', /\[a\] b's value has no closing quote/);
    bad('<34>1 - - - - - [a][a]', /SD-ID a appears twice/);
    bad(`<34>1 - - - - - [${'i'.repeat(33)}]`, /SD-ID i+ is longer than 32/);
    bad(`<34>1 - - - - - - ${BOM}caf\uFFFD`, /BOM but is not valid UTF-8/, false);
  });
});
