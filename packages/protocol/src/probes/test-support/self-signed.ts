import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Certificates are made with openssl. */
export const hasOpenssl = spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;

/**
 * The `skip` of a suite that needs certificates: without openssl it is skipped, except in CI
 * (`CI=true`), where it runs and its certificates fail with a message that says what to install.
 */
export const opensslSkip: string | false =
  hasOpenssl || process.env.CI === 'true' ? false : 'openssl is not on PATH: no certificate to test with';
const SAN = 'subjectAltName=DNS:localhost,IP:127.0.0.1';

/**
 * A self-signed certificate for localhost and 127.0.0.1, valid for `days` from now, or (negative) expired that many
 * days ago.
 */
export function selfSigned(days: number): { key: Buffer; cert: Buffer } {
  if (!hasOpenssl)
    throw new Error('openssl is not on PATH: the TLS tests need it for their certificates; install openssl');
  const dir = mkdtempSync(path.join(tmpdir(), 'tocsin-cert-'));
  const file = (name: string) => path.join(dir, name);
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  try {
    if (days > 0) {
      run(
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        String(days),
        '-subj',
        '/CN=localhost',
        '-addext',
        SAN,
        '-keyout',
        file('key.pem'),
        '-out',
        file('cert.pem'),
      );
    } else {
      // `req -days` only goes forward; `ca` takes an end date in the past.
      const stamp = (ms: number) => `${new Date(ms).toISOString().replace(/[-:T]/g, '').slice(2, 14)}Z`;
      writeFileSync(
        file('ca.cnf'),
        '[ca]\ndefault_ca=d\n[d]\ndatabase=index.txt\nnew_certs_dir=.\nserial=serial\ndefault_md=sha256\n' +
          'policy=p\ncopy_extensions=copy\n[p]\ncommonName=supplied\n',
      );
      writeFileSync(file('index.txt'), '');
      writeFileSync(file('serial'), '01\n');
      run(
        'req',
        '-new',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-subj',
        '/CN=localhost',
        '-addext',
        SAN,
        '-keyout',
        file('key.pem'),
        '-out',
        file('req.csr'),
      );
      const end = Date.now() + days * 86_400_000 - 3_600_000;
      run(
        'ca',
        '-selfsign',
        '-batch',
        '-config',
        file('ca.cnf'),
        '-keyfile',
        file('key.pem'),
        '-in',
        file('req.csr'),
        '-out',
        file('cert.pem'),
        '-startdate',
        stamp(end - 30 * 86_400_000),
        '-enddate',
        stamp(end),
      );
    }
    return { key: readFileSync(file('key.pem')), cert: readFileSync(file('cert.pem')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
