import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRfc3164 } from './rfc3164-parser.js';

/** Received on 2 December 2026 at 08:00 UTC. */
const NOW = Date.UTC(2026, 11, 2, 8, 0, 0);
const parse = (text: string, timeZone?: string) => parseRfc3164(text, { now: NOW, timeZone });

const doNuts =
  "%% It's time to make the do-nuts.  %%  Ingredients: Mix=OK, Jelly=OK # Devices: Mixer=OK, Jelly_Injector=OK, " +
  'Frier=OK # Transport: Conveyer1=OK, Conveyer2=OK # %%';

describe('RFC 3164 parser', () => {
  it('§5.4 example 1: PRI, timestamp, hostname, TAG and CONTENT', () => {
    assert.deepEqual(parse("<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8"), {
      facility: 4,
      severity: 2,
      priPresent: true,
      timestamp: Date.UTC(2026, 9, 11, 22, 14, 15),
      hostname: 'mymachine',
      appName: 'su',
      message: "'su root' failed for lonvick on /dev/pts/8",
    });
  });

  it('§5.4 example 2: no PRI, so the whole packet is the MSG at user.notice (§4.3.3)', () => {
    assert.deepEqual(parse('Use the BFG!'), { facility: 1, severity: 5, priPresent: false, message: 'Use the BFG!' });
  });

  it('§5.4 example 2 as the relay forwards it: a space-padded day, an IP hostname, no TAG', () => {
    assert.deepEqual(parse('<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!'), {
      facility: 1,
      severity: 5,
      priPresent: true,
      timestamp: Date.UTC(2026, 1, 5, 17, 32, 18),
      hostname: '10.0.0.99',
      message: 'Use the BFG!',
    });
  });

  it('§5.4 example 3: a zone and a year after the time (CST = UTC−6), TAG with a pid', () => {
    assert.deepEqual(parse(`<165>Aug 24 05:34:00 CST 1987 mymachine myproc[10]: ${doNuts}`), {
      facility: 20,
      severity: 5,
      priPresent: true,
      timestamp: Date.UTC(1987, 7, 24, 11, 34, 0),
      hostname: 'mymachine',
      appName: 'myproc',
      procId: '10',
      message: doNuts,
    });
  });

  it('§5.4 example 4: the year first and TZ-6; the relayed copy keeps it in the MSG', () => {
    const original = "<0>1990 Oct 22 10:52:01 TZ-6 scapegoat.dmz.example.org 10.1.2.3 sched[0]: That's All Folks!";
    assert.deepEqual(parse(original), {
      facility: 0,
      severity: 0,
      priPresent: true,
      timestamp: Date.UTC(1990, 9, 22, 16, 52, 1),
      hostname: 'scapegoat.dmz.example.org',
      message: "10.1.2.3 sched[0]: That's All Folks!",
    });
    const relayed = `<0>Oct 22 10:52:12 scapegoat ${original.slice(3)}`;
    const r = parse(relayed);
    assert.equal(r.timestamp, Date.UTC(2026, 9, 22, 10, 52, 12));
    assert.equal(r.hostname, 'scapegoat');
    assert.equal(r.message, original.slice(3));
  });

  it('reads the common variants: no hostname, fractions, a one-digit day, a year after the day, RFC 3339', () => {
    const local = parse('<86>Dec  1 23:00:01 sshd[4242]: Accepted publickey for deploy');
    assert.equal(local.hostname, undefined);
    assert.equal(local.appName, 'sshd');
    assert.equal(local.procId, '4242');
    assert.equal(local.message, 'Accepted publickey for deploy');
    assert.equal(local.facility, 10);
    assert.equal(parse('<13>Oct 11 22:14:15.123 web1 app: x').timestamp, Date.UTC(2026, 9, 11, 22, 14, 15, 123));
    assert.equal(parse('<13>Oct 7 22:14:15 web1 app: x').timestamp, Date.UTC(2026, 9, 7, 22, 14, 15));
    assert.equal(parse('<13>Oct 11 2003 22:14:15 web1 app: x').timestamp, Date.UTC(2003, 9, 11, 22, 14, 15));
    const iso = parse('<13>2026-12-02T08:59:59.123456+01:00 web1 nginx: GET / 200');
    assert.equal(iso.timestamp, Date.UTC(2026, 11, 2, 7, 59, 59, 123));
    assert.deepEqual([iso.hostname, iso.appName, iso.message], ['web1', 'nginx', 'GET / 200']);
    const noTag = parse('<13>Oct 11 22:14:15 web1 just words here');
    assert.equal(noTag.appName, undefined);
    assert.equal(noTag.message, 'just words here');
    assert.equal(parse('<13>Oct 11 22:14:15 web1 app:').message, '');
  });

  it('reads zone-less times in the configured zone', () => {
    const r = parse('<13>Jul  4 12:00:00 web1 app: x', 'America/New_York');
    assert.equal(r.timestamp, Date.UTC(2026, 6, 4, 16, 0, 0));
    assert.equal(parse('<13>Jan  4 12:00:00 web1 app: x', 'Europe/Paris').timestamp, Date.UTC(2026, 0, 4, 11));
  });

  it('an invalid timestamp leaves everything after the PRI as the MSG (§4.3.2)', () => {
    for (const text of ['<13>Oct 32 22:14:15 web1 x', '<13>Oct 11 25:14:15 web1 x', '<13>Feb 30 10:00:00 h x']) {
      const r = parse(text);
      assert.equal(r.timestamp, undefined, text);
      assert.equal(r.hostname, undefined);
      assert.equal(r.message, text.slice(4));
    }
    const cisco = parse('<189>123: *Mar  1 00:01:23.456: %SYS-5-CONFIG_I: Configured from console');
    assert.equal(cisco.timestamp, undefined);
    assert.equal(cisco.message, '123: *Mar  1 00:01:23.456: %SYS-5-CONFIG_I: Configured from console');
  });

  it('treats an out-of-range or leading-zero PRI as no PRI', () => {
    for (const text of ['<192>Oct 11 22:14:15 h x', '<013>Oct 11 22:14:15 h x', '<>x', '<abc>x']) {
      const r = parse(text);
      assert.equal(r.priPresent, false, text);
      assert.equal(r.message, text);
      assert.equal(r.severity, 5);
    }
  });
});
