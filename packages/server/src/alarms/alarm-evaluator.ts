/**
 * Alarm evaluation as CloudWatch documents it ("How alarm state is
 * evaluated when data is missing"), as a pure function of the datapoints
 * of the evaluation range.
 *
 * The evaluation range is the N + 2 most recent periods (N =
 * evaluationPeriods). Then:
 *  - at least N real datapoints in the range: the most recent N real ones
 *    are evaluated; missing ones in between do not matter, and neither
 *    does treatMissingData;
 *  - fewer than N: missing datapoints are filled as treatMissingData says,
 *    as few as possible (N minus the real ones), and every real one counts:
 *      breaching     – filled as breaching; ALARM when M of N breach
 *      notBreaching  – filled as not breaching
 *      missing       – no real datapoint: INSUFFICIENT_DATA; otherwise
 *                      ALARM when the real ones breach at least
 *                      min(M, real count) times — so an alarm can go to
 *                      ALARM before M real breaching datapoints exist
 *      ignore        – no real datapoint, or an ALARM decided on fewer
 *                      than N real ones: the current state is kept
 * A result other than ALARM is OK.
 */
export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
export type TreatMissingData = 'missing' | 'ignore' | 'breaching' | 'notBreaching';
export type ComparisonOperator =
  | 'GreaterThanOrEqualToThreshold'
  | 'GreaterThanThreshold'
  | 'LessThanThreshold'
  | 'LessThanOrEqualToThreshold';

export interface EvaluationRule {
  evaluationPeriods: number;
  datapointsToAlarm: number;
  threshold: number;
  comparisonOperator: ComparisonOperator;
  treatMissingData: TreatMissingData;
}

/** One period's value (null when the period has no data), most recent last. */
export interface PeriodValue {
  start: number;
  value: number | null;
}

export interface Evaluation {
  state: AlarmState;
  /** True when the state is kept as it was (ignore). */
  retained: boolean;
  reason: string;
  /** The datapoints the decision used, most recent first. */
  used: PeriodValue[];
  breaching: number;
}

const words: Record<ComparisonOperator, string> = {
  GreaterThanOrEqualToThreshold: 'greater than or equal to',
  GreaterThanThreshold: 'greater than',
  LessThanThreshold: 'less than',
  LessThanOrEqualToThreshold: 'less than or equal to',
};

export function breaches(op: ComparisonOperator, value: number, threshold: number): boolean {
  switch (op) {
    case 'GreaterThanOrEqualToThreshold':
      return value >= threshold;
    case 'GreaterThanThreshold':
      return value > threshold;
    case 'LessThanThreshold':
      return value < threshold;
    case 'LessThanOrEqualToThreshold':
      return value <= threshold;
  }
}

export function evaluationRangeSize(evaluationPeriods: number): number {
  return evaluationPeriods + 2;
}

function num(v: number): string {
  return Number.isInteger(v) ? v.toFixed(1) : String(Math.round(v * 1e6) / 1e6);
}

/** CloudWatch's stamp in reasons: dd/MM/yy HH:mm:ss (UTC). */
function stamp(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  const day = `${p(d.getUTCDate())}/${p(d.getUTCMonth() + 1)}/${p(d.getUTCFullYear() % 100)}`;
  return `${day} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

/**
 * Decides the state from the evaluation range (oldest first, length
 * N + 2; a shorter range is fine) and the current state.
 */
export function evaluate(rule: EvaluationRule, range: readonly PeriodValue[], current: AlarmState): Evaluation {
  const N = rule.evaluationPeriods;
  const M = rule.datapointsToAlarm;
  const real = range.filter((p) => p.value !== null).reverse();
  const isBreach = (p: PeriodValue) => p.value !== null && breaches(rule.comparisonOperator, p.value, rule.threshold);
  const described = (used: PeriodValue[]) =>
    used
      .filter((p) => p.value !== null)
      .map((p) => `${num(p.value!)} (${stamp(p.start)})`)
      .join(', ');
  const verb = (n: number) => (n === 1 ? 'was' : 'were');
  const tail = `${words[rule.comparisonOperator]} the threshold (${num(rule.threshold)})`;

  if (real.length >= N) {
    const used = real.slice(0, N);
    const breaching = used.filter(isBreach).length;
    const state: AlarmState = breaching >= M ? 'ALARM' : 'OK';
    const counted = state === 'ALARM' ? breaching : N - breaching;
    const reason =
      state === 'ALARM'
        ? `Threshold Crossed: ${breaching} out of the last ${N} datapoints ` +
          `[${described(used.filter(isBreach))}] ${verb(breaching)} ${tail} ` +
          `(minimum ${M} datapoint${M === 1 ? '' : 's'} for OK -> ALARM transition).`
        : `Threshold Crossed: ${counted} out of the last ${N} datapoints ` +
          `[${described(used.filter((p) => !isBreach(p)))}] ${verb(counted)} not ${tail} ` +
          `(minimum ${N - M + 1} datapoint${N - M + 1 === 1 ? '' : 's'} for ALARM -> OK transition).`;
    return { state, retained: false, reason, used, breaching };
  }

  const missing = N - real.length;
  const filledNote = `${missing} missing datapoint${missing === 1 ? '' : 's'} treated as ${rule.treatMissingData}`;
  if (rule.treatMissingData === 'breaching' || rule.treatMissingData === 'notBreaching') {
    const breaching = real.filter(isBreach).length + (rule.treatMissingData === 'breaching' ? missing : 0);
    const state: AlarmState = breaching >= M ? 'ALARM' : 'OK';
    const reason =
      `${state === 'ALARM' ? 'Threshold Crossed' : 'Within threshold'}: ${breaching} of the last ${N} datapoints ` +
      `breaching (${filledNote}; real datapoints: [${described(real)}]); ${tail}, minimum ${M} for ALARM.`;
    return { state, retained: false, reason, used: real, breaching };
  }
  if (real.length === 0) {
    if (rule.treatMissingData === 'ignore')
      return {
        state: current,
        retained: true,
        reason: `no datapoints in the last ${range.length} periods; state kept (treatMissingData: ignore).`,
        used: [],
        breaching: 0,
      };
    return {
      state: 'INSUFFICIENT_DATA',
      retained: false,
      reason: `Insufficient Data: no datapoints in the last ${range.length} periods (treatMissingData: missing).`,
      used: [],
      breaching: 0,
    };
  }
  const breaching = real.filter(isBreach).length;
  const alarm = breaching >= Math.min(M, real.length);
  if (alarm && rule.treatMissingData === 'ignore') {
    return {
      state: current,
      retained: true,
      reason: `only ${real.length} of ${N} datapoints present, all breaching; state kept (treatMissingData: ignore).`,
      used: real,
      breaching,
    };
  }
  const state: AlarmState = alarm ? 'ALARM' : 'OK';
  const reason = alarm
    ? `Threshold Crossed: ${breaching} out of the ${real.length} datapoint${real.length === 1 ? '' : 's'} present ` +
      `[${described(real)}] ${verb(breaching)} ${tail}; ` +
      `${missing} of the last ${N} missing (treatMissingData: ${rule.treatMissingData}).`
    : `Threshold Crossed: ${real.length - breaching} out of the ${real.length} ` +
      `datapoint${real.length === 1 ? '' : 's'} present [${described(real.filter((p) => !isBreach(p)))}] ` +
      `${verb(real.length - breaching)} not ${tail}; ` +
      `${missing} of the last ${N} missing (treatMissingData: ${rule.treatMissingData}).`;
  return { state, retained: false, reason, used: real, breaching };
}
