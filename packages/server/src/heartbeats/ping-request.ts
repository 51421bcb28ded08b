/**
 * The ping URLs of Healthchecks.io, so a cron line moves over by changing
 * its host:
 *   /ping/{uuid}[/start|/fail|/log|/{exit status 0-255}]
 *   /ping/{ping key}/{slug}[/start|/fail|/log|/{exit status}]   (?create=1 makes the heartbeat)
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
  exitStatus: number | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(text: string): boolean {
  return UUID.test(text);
}

function action(segment: string | undefined): { kind: PingKind; exitStatus: number | null } | undefined {
  if (segment === undefined || segment === '') return { kind: 'success', exitStatus: null };
  if (segment === 'start' || segment === 'fail' || segment === 'log') return { kind: segment, exitStatus: null };
  if (/^\d{1,3}$/.test(segment) && Number(segment) <= 255) {
    const status = Number(segment);
    return { kind: status === 0 ? 'success' : 'fail', exitStatus: status };
  }
  return undefined;
}

/** Parses the path segments after /ping/; undefined when the URL is not a ping URL. */
export function parsePingPath(segments: string[]): ParsedPing | undefined {
  const [first, second, third, ...extra] = segments;
  if (!first || extra.length) return undefined;
  if (isUuid(first)) {
    if (third !== undefined) return undefined;
    const a = action(second);
    return a && { target: { uuid: first.toLowerCase() }, ...a };
  }
  if (!second || !/^[a-z0-9_-]{1,100}$/.test(second)) return undefined;
  const a = action(third);
  return a && { target: { pingKey: first, slug: second }, ...a };
}
