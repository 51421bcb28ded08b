/**
 * TLS probe: completes a handshake, reads the peer certificate and is DOWN
 * when it expired, expires in fewer than `minDaysLeft` days, or (with
 * `verifyTls`) is not trusted or not valid for the server name.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { TlsProbeSpec } from '../monitor-probes.js';
import {
  daysLeft,
  describeExpiry,
  describeSocketError,
  describeTimeout,
  ms,
  type Probe,
  type ProbeContext,
  type ProbeResult,
  type ProbeTimings,
} from './probe.js';

/** OpenSSL's verification codes, as OpenSSL words them. */
const verifyErrors: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in certificate chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unable to verify the first certificate',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unable to get local issuer certificate',
  UNABLE_TO_GET_ISSUER_CERT: 'unable to get issuer certificate',
  CERT_NOT_YET_VALID: 'certificate is not yet valid',
  CERT_HAS_EXPIRED: 'certificate has expired',
  CERT_REVOKED: 'certificate revoked',
  CERT_UNTRUSTED: 'certificate not trusted',
  CERT_SIGNATURE_FAILURE: 'certificate signature failure',
};

/** Why the certificate is not trusted, or undefined when it is. */
function untrusted(socket: tls.TLSSocket, name: string, cert: tls.PeerCertificate): string | undefined {
  if (!socket.authorized) {
    // Node gives OpenSSL's code here (a string), though typed as an Error.
    const raw = socket.authorizationError as unknown;
    const code = typeof raw === 'string' ? raw : ((raw as Error | undefined)?.message ?? 'unknown reason');
    return `certificate not trusted: ${verifyErrors[code] ? `${verifyErrors[code]} (${code})` : code}`;
  }
  const mismatch = tls.checkServerIdentity(name, cert);
  return mismatch ? `certificate not valid for ${name}: ${mismatch.message}` : undefined;
}

function judge(spec: TlsProbeSpec, socket: tls.TLSSocket, name: string, timings: ProbeTimings): ProbeResult {
  const cert = socket.getPeerCertificate();
  const expiresAt = Date.parse(cert?.valid_to ?? '');
  if (!cert || !Number.isFinite(expiresAt)) return { up: false, reason: 'the server sent no certificate', timings };
  const now = Date.now();
  const base = { timings, certExpiresAt: expiresAt };
  if (expiresAt <= now) return { ...base, up: false, reason: describeExpiry(expiresAt, now) };
  const distrust = spec.verifyTls ? untrusted(socket, name, cert) : undefined;
  if (distrust) return { ...base, up: false, reason: distrust };
  const left = daysLeft(expiresAt, now);
  if (left < spec.minDaysLeft)
    return { ...base, up: false, reason: `${describeExpiry(expiresAt, now)}, fewer than ${spec.minDaysLeft}` };
  return {
    ...base,
    up: true,
    reason: `${describeExpiry(expiresAt, now)} (handshake in ${Math.round(timings.totalMs)} ms)`,
  };
}

function runTls(spec: TlsProbeSpec, ctx: ProbeContext): Promise<ProbeResult> {
  if (ctx.signal?.aborted) return Promise.resolve({ up: false, reason: 'check cancelled', timings: { totalMs: 0 } });
  return new Promise<ProbeResult>((resolve) => {
    const started = performance.now();
    let mark = started;
    const timings: ProbeTimings = { totalMs: 0 };
    const name = spec.servername ?? spec.host;
    let settled = false;
    // Trust is judged after the handshake, so an untrusted certificate still reports its expiry.
    const socket = tls.connect({
      host: spec.host,
      port: spec.port,
      servername: net.isIP(name) ? undefined : name,
      rejectUnauthorized: false,
    });
    const finish = (make: () => ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ctx.signal?.removeEventListener('abort', onAbort);
      timings.totalMs = ms(performance.now() - started);
      let result: ProbeResult;
      try {
        result = make();
      } catch (err) {
        result = { up: false, reason: `TLS check failed: ${(err as Error).message}`, timings };
      }
      socket.destroy();
      resolve(result);
    };
    const down = (reason: string) => finish(() => ({ up: false, reason, timings }));
    const timer = setTimeout(() => down(describeTimeout(ctx.timeoutMs)), ctx.timeoutMs);
    const onAbort = () => down('check cancelled');
    ctx.signal?.addEventListener('abort', onAbort, { once: true });
    const lap = (key: 'dnsMs' | 'connectMs' | 'tlsMs') => {
      const now = performance.now();
      timings[key] = ms(now - mark);
      mark = now;
    };
    socket.once('lookup', () => lap('dnsMs'));
    socket.once('connect', () => lap('connectMs'));
    socket.once('secureConnect', () => {
      lap('tlsMs');
      finish(() => judge(spec, socket, name, timings));
    });
    socket.on('error', (err) => down(describeSocketError(err, spec.host)));
  });
}

export const tlsProbe: Probe<TlsProbeSpec> = { type: 'tls', run: runTls };
