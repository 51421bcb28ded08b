import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { dnsProbeSchema } from '../monitor-probes.js';
import { dnsProbe } from './dns-probe.js';

const TYPE = { A: 1, MX: 15, TXT: 16, AAAA: 28 } as const;

function encodeName(name: string): Buffer {
  const parts = name
    .split('.')
    .filter(Boolean)
    .map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label)]));
  return Buffer.concat([...parts, Buffer.from([0])]);
}

function ipv6(text: string): Buffer {
  const [head, tail = ''] = text.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => {
    out.writeUInt16BE(parseInt(g, 16), i * 2);
  });
  return out;
}

const rdata = {
  A: (ip: string) => Buffer.from(ip.split('.').map(Number)),
  AAAA: ipv6,
  TXT: (...chunks: string[]) =>
    Buffer.concat(chunks.map((c) => Buffer.concat([Buffer.from([c.length]), Buffer.from(c)]))),
  MX: (pref: number, host: string) => Buffer.concat([Buffer.from([pref >> 8, pref & 255]), encodeName(host)]),
};

/** Answers by name and type; an unknown name is NXDOMAIN, a known name without that type an empty NOERROR. */
type Zone = Record<string, Partial<Record<number, Buffer[]>>>;

/** A tiny DNS server over UDP: one question per query, answers by hand-encoded wire format. */
function dnsServer(zone: Zone, silent: Set<string>): dgram.Socket {
  const socket = dgram.createSocket('udp4');
  socket.on('message', (msg, peer) => {
    let at = 12;
    const labels: string[] = [];
    while (msg[at] !== 0) {
      labels.push(msg.subarray(at + 1, at + 1 + msg[at]).toString());
      at += msg[at] + 1;
    }
    const qtype = msg.readUInt16BE(at + 1);
    const question = msg.subarray(12, at + 5);
    const name = labels.join('.').toLowerCase();
    if (silent.has(name)) return;
    const records = zone[name];
    const answers = records?.[qtype] ?? [];
    const header = Buffer.alloc(12);
    header.writeUInt16BE(msg.readUInt16BE(0), 0);
    header.writeUInt16BE(0x8000 | (msg.readUInt16BE(2) & 0x0100) | 0x0080 | (records ? 0 : 3), 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length, 6);
    const rrs = answers.map((data) => {
      const rr = Buffer.alloc(12);
      rr.writeUInt16BE(0xc00c, 0);
      rr.writeUInt16BE(qtype, 2);
      rr.writeUInt16BE(1, 4);
      rr.writeUInt32BE(60, 6);
      rr.writeUInt16BE(data.length, 10);
      return Buffer.concat([rr, data]);
    });
    socket.send(Buffer.concat([header, question, ...rrs]), peer.port, peer.address);
  });
  return socket;
}

describe('dns probe', () => {
  const zone: Zone = {
    'probe.test': {
      [TYPE.A]: [rdata.A('10.0.0.1'), rdata.A('10.0.0.3')],
      [TYPE.AAAA]: [rdata.AAAA('2001:db8::1')],
      [TYPE.TXT]: [rdata.TXT('v=spf1 ', 'include:probe.test -all'), rdata.TXT('hello')],
      [TYPE.MX]: [rdata.MX(10, 'mail.probe.test'), rdata.MX(20, 'backup.probe.test')],
    },
  };
  const server = dnsServer(zone, new Set(['silent.test']));
  let resolver = '';
  const run = (fields: Record<string, unknown>, timeoutMs = 2000) =>
    dnsProbe.run(dnsProbeSchema.parse({ type: 'dns', resolver, ...fields }), { timeoutMs });

  before(async () => {
    await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', resolve));
    resolver = `127.0.0.1:${server.address().port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('is up when every expected value is among the answers', async () => {
    const r = await run({ query: 'probe.test', expected: ['10.0.0.3'] });
    assert.equal(r.up, true, r.reason);
    assert.match(r.reason, /^answer 10\.0\.0\.1, 10\.0\.0\.3 in \d+ ms$/);
    assert.ok(r.timings.dnsMs !== undefined);
    assert.equal((await run({ query: 'probe.test' })).up, true, 'no expected values: one answer is enough');
  });

  it('is down when an expected value is missing', async () => {
    const r = await run({ query: 'probe.test', expected: ['10.0.0.1', '10.0.0.2'] });
    assert.deepEqual([r.up, r.reason], [false, 'DNS answer 10.0.0.1, 10.0.0.3 does not include 10.0.0.2']);
  });

  it('normalises AAAA, TXT and MX answers', async () => {
    assert.equal((await run({ query: 'probe.test', recordType: 'AAAA', expected: ['2001:DB8::1'] })).up, true);
    const txt = await run({
      query: 'probe.test',
      recordType: 'TXT',
      expected: ['v=spf1 include:probe.test -all', 'hello'],
    });
    assert.equal(txt.up, true, txt.reason);
    const mx = await run({
      query: 'probe.test',
      recordType: 'MX',
      expected: ['10 mail.probe.test.', '20 Backup.probe.test'],
    });
    assert.equal(mx.up, true, mx.reason);
    const wrong = await run({ query: 'probe.test', recordType: 'MX', expected: ['5 mail.probe.test'] });
    assert.equal(
      wrong.reason,
      'DNS answer 10 mail.probe.test, 20 backup.probe.test does not include 5 mail.probe.test',
    );
  });

  it('says so when there is no record of that type, or no such name', async () => {
    assert.deepEqual(
      [(await run({ query: 'probe.test', recordType: 'CNAME' })).reason, (await run({ query: 'missing.test' })).reason],
      ['no CNAME record for probe.test', 'missing.test does not exist (NXDOMAIN)'],
    );
  });

  it('is down at the timeout when the server does not answer', async () => {
    const t0 = Date.now();
    const r = await run({ query: 'silent.test' }, 300);
    const took = Date.now() - t0;
    assert.deepEqual([r.up, r.reason], [false, 'timeout after 300 ms']);
    assert.ok(took >= 250 && took < 2000, `took ${took} ms`);
  });
});
