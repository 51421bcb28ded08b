/**
 * What the target's hit log says about a take-over, for the killed node's monitors and for the others apart:
 * when each was first checked after the kill (all of them: the latest; and the median), the longest gap between
 * two checks of one monitor across the kill, how many missed their slot (a gap over 1.25 intervals) and how many
 * were checked twice within half an interval (a check too many); and the target's hits a second in each interval
 * after the kill and in the interval after the survivors owned every partition.
 */
import type { HitReport } from './hit-target.js';

export interface GroupFigures {
  monitors: number;
  /** Seconds from the kill until the last of them was checked again; null if some never were. */
  allCheckedSeconds: number | null;
  medianFirstSeconds: number | null;
  notChecked: number;
  longestGapSeconds: number;
  missedSlot: number;
  checkedTooSoon: number;
}

export interface HitFigures {
  /** The killed node's monitors (null when they could not be told apart). */
  victim: GroupFigures | null;
  /** The survivors' own monitors (every monitor when the victim's are not known). */
  others: GroupFigures;
  ratesAfter: number[];
  rateAfterPartitions: number | null;
}

export interface AnalysisInput {
  killAt: number;
  endAt: number;
  interval: number;
  monitors: number;
  victimMonitors: Set<number> | null;
  partitionsSeconds: number | null;
}

function group(indexes: number[], first: Float64Array, gap: Float64Array, soon: Uint8Array, a: AnalysisInput) {
  const I = a.interval * 1000;
  const firsts: number[] = [];
  let longest = 0;
  let missed = 0;
  let tooSoon = 0;
  for (const i of indexes) {
    if (first[i]! > 0) firsts.push(first[i]! - a.killAt);
    longest = Math.max(longest, gap[i]!);
    if (gap[i]! > 1.25 * I) missed++;
    tooSoon += soon[i]!;
  }
  firsts.sort((x, y) => x - y);
  const notChecked = indexes.length - firsts.length;
  return {
    monitors: indexes.length,
    allCheckedSeconds: notChecked || !firsts.length ? null : firsts[firsts.length - 1]! / 1000,
    medianFirstSeconds: firsts.length ? firsts[Math.floor(firsts.length / 2)]! / 1000 : null,
    notChecked,
    longestGapSeconds: longest / 1000,
    missedSlot: missed,
    checkedTooSoon: tooSoon,
  };
}

export function analyseHits(r: HitReport, a: AnalysisInput): HitFigures {
  const I = a.interval * 1000;
  const prev = Float64Array.from(r.lastBefore);
  const first = new Float64Array(prev.length);
  const gap = new Float64Array(prev.length);
  const soon = new Uint8Array(prev.length);
  const windows = Math.max(0, Math.floor((a.endAt - a.killAt) / I));
  const perWindow = new Array<number>(windows).fill(0);
  const takenAt = a.partitionsSeconds === null ? null : a.killAt + a.partitionsSeconds * 1000;
  let afterPartitions = 0;
  for (let k = 0; k < r.log.length; k += 2) {
    const i = r.log[k]!;
    const t = r.log[k + 1]!;
    if (t >= a.killAt) {
      const w = Math.floor((t - a.killAt) / I);
      if (w < windows) perWindow[w]!++;
      if (takenAt !== null && t >= takenAt && t < takenAt + I) afterPartitions++;
      if (first[i] === 0) {
        first[i] = t;
        gap[i] = prev[i] ? t - prev[i]! : 0;
      }
      if (prev[i] && t - prev[i]! < I / 2) soon[i] = 1;
    }
    prev[i] = t;
  }
  const victim: number[] = [];
  const others: number[] = [];
  for (let i = 1; i <= a.monitors; i++) (a.victimMonitors?.has(i) ? victim : others).push(i);
  return {
    victim: a.victimMonitors ? group(victim, first, gap, soon, a) : null,
    others: group(others, first, gap, soon, a),
    ratesAfter: perWindow.map((c) => c / a.interval),
    rateAfterPartitions: takenAt !== null && takenAt + I <= a.endAt ? afterPartitions / a.interval : null,
  };
}
