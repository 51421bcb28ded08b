import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { base32Decode, base32Encode, hotp, newTotpSecret, otpauthUrl, totpCode, totpStep, verifyTotp } from './totp.js';

// RFC 6238, appendix B: the SHA-1 key is the ASCII string "12345678901234567890"; codes have 8 digits.
const rfcKey = Buffer.from('12345678901234567890', 'ascii');
const rfcVectors: [number, string][] = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];

describe('totp', () => {
  it("gives RFC 6238's SHA-1 test vectors", () => {
    for (const [seconds, code] of rfcVectors) {
      assert.equal(hotp(rfcKey, totpStep(seconds * 1000), 8), code, `T=${seconds}`);
      // Six digits are the last six of the eight.
      assert.equal(totpCode(base32Encode(rfcKey), seconds * 1000), code.slice(2), `T=${seconds}, 6 digits`);
    }
  });

  it("gives RFC 4226's HOTP test values", () => {
    const hotpValues = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871'];
    for (const [counter, code] of hotpValues.entries()) assert.equal(hotp(rfcKey, counter), code, `counter ${counter}`);
  });

  it('round-trips base32 and reads it in any case, with spaces and padding', () => {
    assert.equal(base32Encode(rfcKey), 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    assert.deepEqual(base32Decode('gezd gnbv gy3t qojq gezd gnbv gy3t qojq'), rfcKey);
    assert.deepEqual(base32Decode('MZXW6==='), Buffer.from('foo'));
    assert.throws(() => base32Decode('ABC1'), /not a base32 character/);
    const secret = newTotpSecret();
    assert.match(secret, /^[A-Z2-7]{32}$/);
    assert.equal(base32Decode(secret).length, 20);
  });

  it('accepts a code one step either side of now, not two, and not a step already used', () => {
    const secret = newTotpSecret();
    const now = Date.UTC(2026, 0, 1, 12, 0, 15);
    const step = totpStep(now);
    assert.equal(verifyTotp(secret, totpCode(secret, now), now, null), step);
    assert.equal(verifyTotp(secret, totpCode(secret, now - 30_000), now, null), step - 1);
    assert.equal(verifyTotp(secret, totpCode(secret, now + 30_000), now, null), step + 1);
    assert.equal(verifyTotp(secret, totpCode(secret, now - 60_000), now, null), undefined);
    assert.equal(verifyTotp(secret, totpCode(secret, now + 60_000), now, null), undefined);
    // Used once: neither it nor an older one works again; the next step's does.
    assert.equal(verifyTotp(secret, totpCode(secret, now), now, step), undefined);
    assert.equal(verifyTotp(secret, totpCode(secret, now - 30_000), now, step), undefined);
    assert.equal(verifyTotp(secret, totpCode(secret, now + 30_000), now, step), step + 1);
    assert.equal(verifyTotp(secret, '12345', now, null), undefined);
    assert.equal(verifyTotp(secret, 'abcdef', now, null), undefined);
  });

  it('makes the otpauth URL an authenticator app reads', () => {
    const text = otpauthUrl('ada lovelace', 'GEZDGNBV');
    assert.ok(text.startsWith('otpauth://totp/Tocsin:ada%20lovelace?secret=GEZDGNBV&issuer=Tocsin'), text);
    const url = new URL(text);
    assert.equal(url.searchParams.get('secret'), 'GEZDGNBV');
    assert.equal(url.searchParams.get('issuer'), 'Tocsin');
  });
});
