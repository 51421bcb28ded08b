/**
 * DNS probe: asks for one record type, normalises the answers to strings
 * (as a zone file writes them) and checks that every expected value is
 * among them; without expected values, one answer is enough.
 */
import { Resolver } from 'node:dns/promises';
import net from 'node:net';
import type { DnsProbeSpec, DnsRecordType } from '../monitor-probes.js';
import { describeTimeout, ms, type Probe, type ProbeContext, type ProbeResult } from './probe.js';

type Ask = (r: Resolver, name: string) => Promise<string[]>;

const quoted = (v: string) => `"${v}"`;

/** One query per record type, its answers as strings: MX "10 mail.example.com", SRV "prio weight port target". */
const askers: Record<DnsRecordType, Ask> = {
  A: (r, n) => r.resolve4(n),
  AAAA: (r, n) => r.resolve6(n),
  CNAME: (r, n) => r.resolveCname(n),
  NS: (r, n) => r.resolveNs(n),
  PTR: (r, n) => (net.isIP(n) ? r.reverse(n) : r.resolvePtr(n)),
  MX: async (r, n) => (await r.resolveMx(n)).map((x) => `${x.priority} ${x.exchange}`),
  TXT: async (r, n) => (await r.resolveTxt(n)).map((chunks) => chunks.join('')),
  SOA: async (r, n) => {
    const s = await r.resolveSoa(n);
    return [`${s.nsname} ${s.hostmaster} ${s.serial}`];
  },
  SRV: async (r, n) => (await r.resolveSrv(n)).map((x) => `${x.priority} ${x.weight} ${x.port} ${x.name}`),
  CAA: async (r, n) =>
    (await r.resolveCaa(n)).map((x) => {
      const { critical, ...rest } = x;
      const [tag, value] = Object.entries(rest)[0] ?? ['', ''];
      return `${critical} ${tag} ${quoted(String(value))}`;
    }),
};

/** Answers compare without case, trailing dots or quotes, except TXT, which compares exactly. */
function comparable(value: string, type: DnsRecordType): string {
  if (type === 'TXT') return value;
  return value
    .trim()
    .toLowerCase()
    .replace(/"/g, '')
    .replace(/\.(?=\s|$)/g, '');
}

const dnsErrors: Record<string, (spec: DnsProbeSpec) => string> = {
  ENOTFOUND: (s) => `${s.query} does not exist (NXDOMAIN)`,
  ENODATA: (s) => `no ${s.recordType} record for ${s.query}`,
  ESERVFAIL: () => 'the DNS server failed to answer (SERVFAIL)',
  EREFUSED: () => 'the DNS server refused the query',
  ECONNREFUSED: () => 'could not reach the DNS server (connection refused)',
  EBADRESP: () => 'the DNS server sent an answer that cannot be read',
};

function joined(values: string[], max = 5): string {
  return values.length > max ? `${values.slice(0, max).join(', ')} and ${values.length - max} more` : values.join(', ');
}

async function runDns(spec: DnsProbeSpec, ctx: ProbeContext): Promise<ProbeResult> {
  const started = performance.now();
  const elapsed = () => ms(performance.now() - started);
  if (ctx.signal?.aborted) return { up: false, reason: 'check cancelled', timings: { totalMs: 0 } };
  const resolver = new Resolver({ timeout: Math.max(50, Math.floor(ctx.timeoutMs / 2)), tries: 2 });
  if (spec.resolver) resolver.setServers([spec.resolver]);
  let why: string | undefined;
  const stop = (reason: string) => {
    why ??= reason;
    resolver.cancel();
  };
  const timer = setTimeout(stop, ctx.timeoutMs, describeTimeout(ctx.timeoutMs));
  const onAbort = () => stop('check cancelled');
  ctx.signal?.addEventListener('abort', onAbort, { once: true });
  let answers: string[];
  try {
    answers = await askers[spec.recordType](resolver, spec.query);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    const reason =
      why ??
      (code === 'ETIMEOUT'
        ? describeTimeout(ctx.timeoutMs)
        : (dnsErrors[code]?.(spec) ?? `DNS query failed: ${(err as Error).message}`));
    return { up: false, reason, timings: { dnsMs: elapsed(), totalMs: elapsed() } };
  } finally {
    clearTimeout(timer);
    ctx.signal?.removeEventListener('abort', onAbort);
  }
  const totalMs = elapsed();
  const timings = { dnsMs: totalMs, totalMs };
  if (why) return { up: false, reason: why, timings };
  if (answers.length === 0) return { up: false, reason: `no ${spec.recordType} record for ${spec.query}`, timings };
  const have = new Set(answers.map((a) => comparable(a, spec.recordType)));
  const missing = (spec.expected ?? []).filter((e) => !have.has(comparable(e, spec.recordType)));
  if (missing.length)
    return { up: false, reason: `DNS answer ${joined(answers)} does not include ${joined(missing)}`, timings };
  return { up: true, reason: `answer ${joined(answers)} in ${Math.round(totalMs)} ms`, timings };
}

export const dnsProbe: Probe<DnsProbeSpec> = { type: 'dns', run: runDns };
