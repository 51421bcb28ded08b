import { z } from 'zod';

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * Parses `500ms`, `10s`, `5m`, `1h30m`, `3d` into milliseconds; a bare
 * number is seconds. Returns undefined for anything else.
 */
export function parseDuration(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? text * 1000 : undefined;
  const s = text.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * units[m[2]];
    matched = re.lastIndex;
  }
  return matched === s.length && matched > 0 ? total : undefined;
}

const printUnits = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
] as const;
type PrintUnit = (typeof printUnits)[number][0];

/**
 * Milliseconds as a config file writes them, the inverse of parseDuration:
 * the largest unit from `largest` down that divides them exactly (`2h`,
 * `90m`), else a decimal of `smallest` (`1.5s`).
 */
export function printDuration(ms: number, largest: PrintUnit = 'd', smallest: PrintUnit = 's'): string {
  const at = (unit: PrintUnit) => printUnits.findIndex(([u]) => u === unit);
  const units = printUnits.slice(at(largest), at(smallest) + 1);
  for (const [unit, size] of units.slice(0, -1)) if (ms % size === 0) return `${ms / size}${unit}`;
  const [unit, size] = units[units.length - 1];
  return `${ms / size}${unit}`;
}

/**
 * A duration in a config file or API body: `30s`, `5m`, `1h30m`, or a number
 * of seconds. Parses to milliseconds.
 */
export function durationSchema(min: number, max: number, what = 'duration') {
  const describe = (ms: number) => printDuration(ms, 'm');
  return z.union([z.string(), z.number()]).transform((value, ctx) => {
    const ms = parseDuration(value);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `a ${what} such as 30s, 5m or 1h (got '${value}')` });
      return z.NEVER;
    }
    if (ms < min || ms > max) {
      ctx.addIssue({
        code: 'custom',
        message: `must be between ${describe(min)} and ${describe(max)} (got ${describe(ms)})`,
      });
      return z.NEVER;
    }
    return ms;
  });
}
