/**
 * TOTP (RFC 6238 over RFC 4226's HOTP): HMAC-SHA-1, 30-second steps, six
 * digits, a code accepted one step either side of now. Hand-written on
 * node:crypto (a dozen lines, no dependency); totp.test.ts checks it
 * against the RFC's test vectors. Secrets are shown as base32 (RFC 4648),
 * what authenticator apps read from an otpauth:// URL.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const TOTP_STEP_MS = 30_000;
export const TOTP_DIGITS = 6;
/** Steps accepted either side of the current one (clock drift, a code typed as it turned). */
export const TOTP_WINDOW = 1;

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/** Decodes base32, ignoring case, spaces and padding; throws on another character. */
export function base32Decode(text: string): Buffer {
  const clean = text.replace(/[\s=]/g, '').toUpperCase();
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of clean) {
    const i = BASE32.indexOf(ch);
    if (i < 0) throw new Error(`'${ch}' is not a base32 character`);
    value = ((value << 5) | i) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** A new secret: 20 random bytes (160 bits, RFC 4226's recommendation), in base32. */
export function newTotpSecret(): string {
  return base32Encode(randomBytes(20));
}

/** HOTP (RFC 4226): the code for counter `counter` of key `key`. */
export function hotp(key: Uint8Array, counter: number, digits = TOTP_DIGITS): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', key).update(message).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/** The time step of epoch milliseconds `ms`. */
export function totpStep(ms: number): number {
  return Math.floor(ms / TOTP_STEP_MS);
}

/** The code of base32 secret `secret` at epoch milliseconds `ms`. */
export function totpCode(secret: string, ms: number, digits = TOTP_DIGITS): string {
  return hotp(base32Decode(secret), totpStep(ms), digits);
}

/**
 * The step whose code `code` is, within the window around `ms`, and later
 * than `lastUsedStep` (a code cannot be used twice); undefined when none.
 */
export function verifyTotp(secret: string, code: string, ms: number, lastUsedStep: number | null): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;
  const key = base32Decode(secret);
  const now = totpStep(ms);
  const given = Buffer.from(code);
  let found: number | undefined;
  // Every step of the window is computed and compared, found or not: the time taken says nothing about which.
  for (let step = now - TOTP_WINDOW; step <= now + TOTP_WINDOW; step++) {
    const match = timingSafeEqual(Buffer.from(hotp(key, step)), given);
    if (match && found === undefined && (lastUsedStep === null || step > lastUsedStep)) found = step;
  }
  return found;
}

/** The URL an authenticator app reads (as a QR code or pasted): `otpauth://totp/Tocsin:<name>?…`. */
export function otpauthUrl(name: string, secret: string): string {
  const label = `Tocsin:${encodeURIComponent(name)}`;
  return `otpauth://totp/${label}?secret=${secret}&issuer=Tocsin&algorithm=SHA1&digits=${TOTP_DIGITS}&period=30`;
}
