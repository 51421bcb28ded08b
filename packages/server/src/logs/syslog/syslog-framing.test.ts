import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { datagramFrame, type SyslogFrame, SyslogFrameSplitter, syslogFrameStream } from './syslog-framing.js';

const texts = (frames: SyslogFrame[]) => frames.map((f) => (f.ok ? f.message.toString() : `!${f.reason}`));

/** Feeds `input` one byte at a time and all at once; both must give the same frames. */
function split(input: string | Buffer, options = {}): string[] {
  const bytes = Buffer.from(input);
  const whole = new SyslogFrameSplitter(options);
  const all = texts([...whole.push(bytes), ...whole.end()]);
  const slow = new SyslogFrameSplitter(options);
  const out: SyslogFrame[] = [];
  for (let i = 0; i < bytes.length; i++) out.push(...slow.push(bytes.subarray(i, i + 1)));
  out.push(...slow.end());
  assert.deepEqual(texts(out), all, 'byte-at-a-time framing differs');
  return all;
}

const m1 = '<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - x';
const m2 = "<34>Oct 11 22:14:15 mymachine su: 'su root' failed";

describe('syslog framing over TCP (RFC 6587)', () => {
  it('splits octet-counted frames (§3.4.1), including a message with an LF inside', () => {
    const multi = 'line one\nline two';
    const input = `${m1.length} ${m1}${m2.length} ${m2}${Buffer.byteLength(multi)} ${multi}`;
    assert.deepEqual(split(input), [m1, m2, multi]);
    assert.deepEqual(split(input, { framing: 'octet-counting' }), [m1, m2, multi]);
  });

  it('splits newline-framed messages (§3.4.2): LF, CR LF and NUL trailers, blank lines skipped', () => {
    assert.deepEqual(split(`${m1}\n${m2}\r\n\n${m1}\0${m2}`), [m1, m2, m1, m2]);
    assert.deepEqual(split(`${m1}\n`, { framing: 'non-transparent' }), [m1]);
  });

  it('in auto mode decides per frame, and digits without a length are a line', () => {
    const counted = `${Buffer.byteLength('é ok')} é ok`;
    assert.deepEqual(split(`${m1}\n${counted}${m2}\n`), [m1, 'é ok', m2]);
    assert.deepEqual(split('2024-01-01 not a length\n'), ['2024-01-01 not a length']);
    assert.deepEqual(split('12345678901 x\n'), ['12345678901 x']);
  });

  it('drops frames above the maximum with their size and stays in step', () => {
    const big = 'x'.repeat(40);
    assert.deepEqual(split(`${big.length} ${big}5 small`, { maxMessageBytes: 16 }), [
      '!the message is 40 bytes, more than the 16 allowed',
      'small',
    ]);
    assert.deepEqual(split(`${big}\nshort\n`, { maxMessageBytes: 16 }), [
      '!the message is 40 bytes, more than the 16 allowed',
      'short',
    ]);
    assert.deepEqual(split(`${'y'.repeat(16)}\r\n`, { maxMessageBytes: 16 }), ['y'.repeat(16)]);
    assert.deepEqual(split('y'.repeat(17), { maxMessageBytes: 16 }), [
      '!the message is 17 bytes, more than the 16 allowed',
    ]);
  });

  it('reports an incomplete frame at the end, and keeps an unterminated line', () => {
    assert.deepEqual(split('10 abc'), ['!the stream ended inside an octet-counted frame (3 bytes read)']);
    assert.deepEqual(split(`${m2}`), [m2]);
  });

  it('in strict octet counting refuses a bad MSG-LEN and resynchronises at the next LF', () => {
    assert.deepEqual(split(`<34>oops\n5 hello`, { framing: 'octet-counting' }), [
      "!MSG-LEN '' is not a length followed by a space",
      'hello',
    ]);
    assert.deepEqual(split('012 x\n3 abc', { framing: 'octet-counting' }), [
      "!MSG-LEN '012' is not a length followed by a space",
      'abc',
    ]);
  });

  it('frames a real TCP stream from a client on 127.0.0.1', async () => {
    const received: SyslogFrame[] = [];
    let closed!: () => void;
    const done = new Promise<void>((resolve) => {
      closed = resolve;
    });
    const server = createServer((socket: Socket) => {
      const frames = socket.pipe(syslogFrameStream({ maxMessageBytes: 1024 }));
      frames.on('data', (f: SyslogFrame) => received.push(f));
      frames.on('end', closed);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const client = connect(port, '127.0.0.1');
    await once(client, 'connect');
    const many = Array.from({ length: 200 }, (_, i) => `<14>1 - host app - - - message ${i}`);
    const wire = many.map((m, i) => (i % 2 ? `${m.length} ${m}` : `${m}\n`)).join('');
    for (let at = 0; at < wire.length; at += 97) client.write(wire.slice(at, at + 97));
    client.end();
    await done;
    server.close();
    assert.deepEqual(texts(received), many);
  });
});

describe('syslog over UDP (RFC 5426)', () => {
  it('takes one datagram as one message', async () => {
    const server = createSocket('udp4');
    const got: SyslogFrame[] = [];
    const arrived = new Promise<void>((resolve) => {
      server.on('message', (msg) => {
        got.push(datagramFrame(msg, 64));
        if (got.length === 3) resolve();
      });
    });
    server.bind(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address();
    const client = createSocket('udp4');
    for (const m of [`${m2}\n`, 'z'.repeat(65), '\n']) client.send(m, port, '127.0.0.1');
    await arrived;
    client.close();
    server.close();
    assert.deepEqual(texts(got).sort(), [
      '!the datagram is empty',
      '!the message is 65 bytes, more than the 64 allowed',
      m2,
    ]);
  });
});
