/**
 * The ping URLs of Healthchecks.io, matched as its URL patterns match them
 * (hc/api/urls.py), so a cron line moves over by changing its host:
 *   /ping/{uuid}[/ | /start | /fail | /log | /{exit status}]
 *   /ping/{ping key}/{slug}[/start | /fail | /log | /{exit status}]   (?create=1 makes the heartbeat)
 * A UUID is lower-case and canonical; `{uuid}/abc` is read as a ping key and
 * a slug (and so is not found), an upper-case slug is a malformed URL (400),
 * and every other shape is not found (404). An exit status is any number of
 * digits; one above 255 is refused once the heartbeat is found.
 */
export type PingKind = 'success' | 'start' | 'fail' | 'log';

export interface PingTarget {
  uuid?: string;
  pingKey?: string;
  slug?: string;
}

export interface ParsedPing {
  target: PingTarget;
  kind: PingKind;
  /** The exit status in the URL; above 255 it is refused after the look-up. */
  exitStatus: number | null;
}

export type PingPath = { ok: true; ping: ParsedPing } | { ok: false; status: 400 | 404; text: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LOWER_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Django's `slug` path converter. */
const SLUG = /^[-a-zA-Z0-9_]+$/;

/** A UUID in canonical form, any case (run ids, as Healthchecks takes them). */
export function isUuid(text: string): boolean {
  return UUID.test(text);
}

const NOT_FOUND: PingPath = { ok: false, status: 404, text: 'not found' };

function action(segment: string): { kind: PingKind; exitStatus: number | null } | undefined {
  if (segment === 'start' || segment === 'fail' || segment === 'log') return { kind: segment, exitStatus: null };
  if (/^\d+$/.test(segment)) {
    const status = Number(segment);
    return { kind: status === 0 ? 'success' : 'fail', exitStatus: status };
  }
  return undefined;
}

/** Reads the path after `/ping/` (still percent-encoded). */
export function parsePingPath(path: string): PingPath {
  let segments: string[];
  try {
    segments = path.split('/').map(decodeURIComponent);
  } catch {
    return NOT_FOUND;
  }
  const [first, second, third] = segments;
  if (LOWER_UUID.test(first)) {
    const target = { uuid: first };
    if (segments.length === 1 || (segments.length === 2 && second === ''))
      return { ok: true, ping: { target, kind: 'success', exitStatus: null } };
    const a = segments.length === 2 ? action(second) : undefined;
    if (a) return { ok: true, ping: { target, ...a } };
  }
  if (segments.length < 2 || segments.length > 3 || !SLUG.test(first) || !SLUG.test(second)) return NOT_FOUND;
  const a = segments.length === 3 ? action(third) : { kind: 'success' as const, exitStatus: null };
  if (!a) return NOT_FOUND;
  if (second !== second.toLowerCase()) return { ok: false, status: 400, text: 'invalid url format' };
  return { ok: true, ping: { target: { pingKey: first, slug: second }, ...a } };
}
