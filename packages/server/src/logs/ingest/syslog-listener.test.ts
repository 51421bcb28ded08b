import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { silentLogger } from '../../core/logger.js';
import { type IngestHarness, startIngestHarness } from '../../test-support/log-ingest-harness.js';
import { SyslogListeners } from './syslog-listener.js';

/** Waits for a condition, polling, up to a deadline. */
async function until(what: string, condition: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

const octet = (msg: string) => `${Buffer.byteLength(msg)} ${msg}`;
const RFC5424 = '<165>1 2026-12-02T10:00:00.000Z web-1 nginx 42 ID47 [meta x="1"] upstream timed out';
const RFC3164 = '<34>Dec  2 10:00:01 mymachine sshd[812]: Failed password for root';

describe('syslog listeners', () => {
  let h: IngestHarness;
  let listeners: SyslogListeners;
  let ports: { tcp?: number; udp?: number };
  before(async () => {
    h = await startIngestHarness();
    listeners = new SyslogListeners(h.module.service, h.clock, silentLogger, {
      host: '127.0.0.1',
      tcpPort: -1,
      udpPort: -1,
      group: 'syslog',
      maxConnections: 3,
      retryMs: 20,
    });
    ports = await listeners.start();
  });
  after(async () => {
    await listeners.close();
    await h.close();
  });
  beforeEach(() => {
    h.appender.events.length = 0;
    h.groups.length = 0;
  });

  it('takes RFC 5424 octet-counted and RFC 3164 newline-framed messages on one TCP connection', async () => {
    const before = listeners.status().invalid as number;
    const s = await connect(ports.tcp!);
    s.write(`${octet(RFC5424)}${RFC3164}\n<13>1 not-a-time host app - - bad\n`);
    s.end();
    await until('two events', () => h.appender.events.length === 2);
    const [a, b] = h.appender.events;
    assert.deepEqual(
      [a.group, a.stream, a.source, a.level, a.levelText, a.message],
      ['syslog', 'web-1', 'nginx', 10, 'notice', 'upstream timed out'],
    );
    assert.equal(a.time, Date.UTC(2026, 11, 2, 10));
    assert.deepEqual([b.source, b.stream, b.level, b.levelText], ['sshd', 'mymachine', 18, 'critical']);
    assert.equal(b.attributes['syslog.procid'], '812');
    await until('the bad frame counted', () => (listeners.status().invalid as number) === before + 1);
    assert.equal(h.counters.droppedBy.invalid, before + 1);
  });

  it('takes UDP datagrams, one message each, routed by a group’s match on the app-name', async () => {
    h.groups.push({ name: 'auth', retentionDays: 90, match: { sources: ['sshd'] } });
    const client = dgram.createSocket('udp4');
    const send = (m: string) =>
      new Promise<void>((resolve, reject) =>
        client.send(Buffer.from(m), ports.udp!, '127.0.0.1', (e) => (e ? reject(e) : resolve())),
      );
    await send(RFC5424);
    await send(`${RFC3164}\n`);
    await until('two UDP events', () => h.appender.events.length === 2);
    client.close();
    assert.deepEqual(h.appender.events.map((e) => [e.group, e.source]).sort(), [
      ['auth', 'sshd'],
      ['syslog', 'nginx'],
    ]);
  });

  it('pauses a TCP connection while the write queue is full and takes everything once it admits', async () => {
    const pauses = listeners.status().pauses as number;
    h.appender.refuse = 3;
    const s = await connect(ports.tcp!);
    const lines = Array.from({ length: 50 }, (_, i) => `<14>Dec  2 10:00:0${i % 10} host app: line ${i}\n`);
    s.write(lines.join(''));
    await until('a pause', () => (listeners.status().pauses as number) > pauses);
    s.end();
    await until('all 50 lines', () => h.appender.events.length === 50);
    assert.equal(h.appender.events[49].message, 'line 49');
    assert.equal(h.appender.refuse, 0);
    await until('the connection closed', () => listeners.status().open === 0);
  });

  it('refuses connections over the cap, and close() ends the open ones', async () => {
    const open = await Promise.all([connect(ports.tcp!), connect(ports.tcp!), connect(ports.tcp!)]);
    await until('three open', () => listeners.status().open === 3);
    const extra = await connect(ports.tcp!);
    const closed = new Promise<void>((resolve) => extra.once('close', () => resolve()));
    extra.on('error', () => {});
    await closed;
    await until('the refusal counted', () => (listeners.status().refusedConnections as number) >= 1);
    const ended = open.map((s) => new Promise<void>((resolve) => s.once('end', () => resolve())));
    for (const s of open) s.on('end', () => s.end());
    await listeners.close();
    await Promise.all(ended);
    assert.equal(listeners.status().open, 0);
  });
});
