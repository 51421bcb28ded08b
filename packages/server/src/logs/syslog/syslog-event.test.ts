import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { type AddressInfo, connect, createServer } from 'node:net';
import { describe, it } from 'node:test';
import { syslogEvent } from './syslog-event.js';
import { datagramFrame, type SyslogFrame, syslogFrameStream } from './syslog-framing.js';

const NOW = Date.UTC(2026, 11, 2, 8, 0, 0);

function event(frame: string | Buffer, peer?: string) {
  const r = syslogEvent(frame, { observedTime: NOW, peer, group: 'syslog' });
  if (!r.ok) assert.fail(r.reason);
  return r.value;
}

describe('syslog messages as log events', () => {
  it('maps an RFC 5424 message field by field', () => {
    const frame = Buffer.concat([
      Buffer.from(
        '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog 1234 ID47 ' +
          '[exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] ',
      ),
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from('An application event log entry...\n'),
    ]);
    assert.deepEqual(event(frame, '192.0.2.7'), {
      time: Date.UTC(2003, 9, 11, 22, 14, 15, 3),
      observedTime: NOW,
      group: 'syslog',
      stream: 'mymachine.example.com',
      source: 'evntslog',
      level: { number: 10, text: 'notice' },
      message: 'An application event log entry...',
      attributes: {
        'syslog.facility': 'local4',
        'syslog.facility_code': 20,
        'syslog.severity': 5,
        'syslog.format': 'rfc5424',
        'syslog.version': 1,
        'syslog.procid': '1234',
        'syslog.msgid': 'ID47',
        'syslog.structured_data': { 'exampleSDID@32473': { iut: '3', eventSource: 'Application', eventID: '1011' } },
        'syslog.peer': '192.0.2.7',
      },
      resource: { 'host.name': 'mymachine.example.com' },
    });
  });

  it('maps an RFC 3164 message; NILVALUE and missing fields fall back to the received time and the peer', () => {
    const e = event("<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8");
    assert.deepEqual(e, {
      time: Date.UTC(2026, 9, 11, 22, 14, 15),
      observedTime: NOW,
      group: 'syslog',
      stream: 'mymachine',
      source: 'su',
      level: { number: 18, text: 'critical' },
      message: "'su root' failed for lonvick on /dev/pts/8",
      attributes: {
        'syslog.facility': 'auth',
        'syslog.facility_code': 4,
        'syslog.severity': 2,
        'syslog.format': 'rfc3164',
      },
      resource: { 'host.name': 'mymachine' },
    });
    const nil = event('<14>1 - - - - - - hello', '10.0.0.9');
    assert.equal(nil.time, NOW);
    assert.equal(nil.stream, '10.0.0.9');
    assert.deepEqual(nil.resource, { 'host.name': '10.0.0.9' });
    assert.equal(nil.source, undefined);
    const bare = event('Use the BFG!', '10.0.0.99');
    assert.equal(bare.time, NOW);
    assert.equal(bare.attributes['syslog.pri_missing'], true);
    assert.deepEqual(bare.level, { number: 10, text: 'notice' });
    assert.equal(event('<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!').resource['host.name'], '10.0.0.99');
  });

  it('maps each severity to its OTLP SeverityNumber', () => {
    const levels = [0, 1, 2, 3, 4, 5, 6, 7].map((s) => event(`<${8 + s}>1 - - - - - - x`).level);
    assert.deepEqual(levels, [
      { number: 21, text: 'emergency' },
      { number: 19, text: 'alert' },
      { number: 18, text: 'critical' },
      { number: 17, text: 'error' },
      { number: 13, text: 'warning' },
      { number: 10, text: 'notice' },
      { number: 9, text: 'informational' },
      { number: 5, text: 'debug' },
    ]);
  });

  it('keeps a non-UTF-8 MSG without a BOM, decoded with replacement characters', () => {
    const e = event(Buffer.concat([Buffer.from('<13>1 - h a - - - caf'), Buffer.from([0xe9])]));
    assert.equal(e.message, 'caf\uFFFD');
  });

  it('refuses empty and malformed messages with the reason', () => {
    const reason = (frame: string | Buffer) => {
      const r = syslogEvent(frame, { observedTime: NOW });
      assert.equal(r.ok, false);
      return r.ok ? '' : r.reason;
    };
    assert.match(reason('\r\n'), /the message is empty/);
    assert.match(reason('<34>1 2003-10-11T22:14:15.003 h a - - -'), /^RFC 5424: TIMESTAMP/);
    assert.match(reason('<34>3 - - - - - -'), /VERSION 3 is not supported/);
    const badUtf8 = Buffer.concat([Buffer.from('<13>1 - h a - - - '), Buffer.from([0xef, 0xbb, 0xbf, 0xff])]);
    assert.match(reason(badUtf8), /BOM but is not valid UTF-8/);
  });
});

describe('syslog end to end on 127.0.0.1', () => {
  const examples = [
    "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \uFEFF'su root' failed for lonvick on /dev/pts/8",
    "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.",
    "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8",
    'Use the BFG!',
  ];
  const expected = [
    ['mymachine.example.com', 'su', 'critical', "'su root' failed for lonvick on /dev/pts/8"],
    ['192.0.2.1', 'myproc', 'notice', "%% It's time to make the do-nuts."],
    ['mymachine', 'su', 'critical', "'su root' failed for lonvick on /dev/pts/8"],
    ['127.0.0.1', undefined, 'notice', 'Use the BFG!'],
  ];
  const summary = (e: ReturnType<typeof event>) => [e.stream, e.source, e.level?.text, e.message];

  it('reads the RFC examples from a TCP client, octet-counted and newline-framed', async () => {
    const seen: unknown[] = [];
    let finished!: () => void;
    const done = new Promise<void>((resolve) => {
      finished = resolve;
    });
    const server = createServer((socket) => {
      const peer = socket.remoteAddress?.replace(/^::ffff:/, '');
      socket.pipe(syslogFrameStream()).on('data', (f: SyslogFrame) => {
        if (f.ok) seen.push(summary(event(f.message, peer)));
        if (seen.length === examples.length * 2) finished();
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
    await once(client, 'connect');
    for (const m of examples) client.write(`${Buffer.byteLength(m)} ${m}`);
    for (const m of examples) client.write(`${m}\n`);
    client.end();
    await done;
    server.close();
    assert.deepEqual(seen, [...expected, ...expected]);
  });

  it('reads the RFC examples from UDP datagrams', async () => {
    const server = createSocket('udp4');
    const seen = new Map<string, unknown>();
    const arrived = new Promise<void>((resolve) => {
      server.on('message', (msg, rinfo) => {
        const f = datagramFrame(msg);
        if (f.ok) seen.set(msg.toString(), summary(event(f.message, rinfo.address)));
        if (seen.size === examples.length) resolve();
      });
    });
    server.bind(0, '127.0.0.1');
    await once(server, 'listening');
    const client = createSocket('udp4');
    for (const m of examples) client.send(m, server.address().port, '127.0.0.1');
    await arrived;
    client.close();
    server.close();
    assert.deepEqual(
      examples.map((m) => seen.get(m)),
      expected,
    );
  });
});
