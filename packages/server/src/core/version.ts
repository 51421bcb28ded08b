import { readFileSync } from 'node:fs';

// Set by the build of the stand-alone CLI package, which has no package.json of the server beside it.
declare const __TOCSIN_VERSION__: string | undefined;

function readVersion(): string {
  if (typeof __TOCSIN_VERSION__ === 'string') return __TOCSIN_VERSION__;
  try {
    // src/core and dist/core are both two levels under the package.
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string })
      .version;
  } catch {
    return 'unknown';
  }
}

/** Tocsin's version, as `tocsin --version` and `GET /` show it. */
export const version = readVersion();
