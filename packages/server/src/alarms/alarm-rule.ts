/**
 * The rule of a composite alarm, as CloudWatch writes it:
 *   ALARM("cpu-high") AND (OK(db) OR NOT INSUFFICIENT_DATA(disk))
 * Functions ALARM, OK, INSUFFICIENT_DATA take an alarm name (quoted or
 * bare); TRUE and FALSE are constants; AND binds tighter than OR; NOT
 * tighter than both. Parsed once into a tree, evaluated on every change.
 */
import type { AlarmState } from './alarm-evaluator.js';

export type RuleNode =
  | { op: 'state'; state: AlarmState; alarm: string }
  | { op: 'const'; value: boolean }
  | { op: 'not'; arg: RuleNode }
  | { op: 'and' | 'or'; args: RuleNode[] };

export class RuleError extends Error {}

const TOKEN = /\s*(?:(\()|(\))|"((?:[^"\\]|\\.)*)"|([A-Za-z0-9_.\-:/]+))/y;

function tokenize(text: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  let at = 0;
  while (at < text.length) {
    if (/^\s*$/.test(text.slice(at))) break;
    TOKEN.lastIndex = at;
    const m = TOKEN.exec(text);
    if (!m) throw new RuleError(`unexpected '${text.slice(at).trim()[0]}' at position ${at + 1}`);
    out.push(m[1] ?? m[2] ?? (m[3] !== undefined ? `"${m[3].replace(/\\(.)/g, '$1')}` : m[4]));
    at = TOKEN.lastIndex;
  }
  return out;
}

export function parseRule(text: string): RuleNode {
  const tokens = tokenize(text);
  let i = 0;
  const peek = () => tokens[i]?.toUpperCase();
  const expect = (t: string) => {
    if (tokens[i] !== t)
      throw new RuleError(`expected '${t}'${tokens[i] ? ` but found '${tokens[i]}'` : ' at the end'}`);
    i++;
  };
  const primary = (): RuleNode => {
    const t = tokens[i];
    if (t === undefined) throw new RuleError('the rule ends too soon');
    const up = t.toUpperCase();
    if (t === '(') {
      i++;
      const inner = or();
      expect(')');
      return inner;
    }
    if (up === 'NOT') {
      i++;
      return { op: 'not', arg: primary() };
    }
    if (up === 'TRUE' || up === 'FALSE') {
      i++;
      return { op: 'const', value: up === 'TRUE' };
    }
    if (up === 'ALARM' || up === 'OK' || up === 'INSUFFICIENT_DATA') {
      i++;
      expect('(');
      const name = tokens[i++];
      if (name === undefined || name === ')' || name === '(') throw new RuleError(`${up}( needs an alarm name`);
      expect(')');
      return { op: 'state', state: up as AlarmState, alarm: name.startsWith('"') ? name.slice(1) : name };
    }
    throw new RuleError(
      `unexpected '${t}': expected ALARM(name), OK(name), INSUFFICIENT_DATA(name), NOT, TRUE, FALSE or '('`,
    );
  };
  const and = (): RuleNode => {
    const args = [primary()];
    while (peek() === 'AND') {
      i++;
      args.push(primary());
    }
    return args.length === 1 ? args[0] : { op: 'and', args };
  };
  const or = (): RuleNode => {
    const args = [and()];
    while (peek() === 'OR') {
      i++;
      args.push(and());
    }
    return args.length === 1 ? args[0] : { op: 'or', args };
  };
  const tree = or();
  if (i < tokens.length) throw new RuleError(`unexpected '${tokens[i]}' after the end of the rule`);
  return tree;
}

/** Each ALARM(x), OK(x), INSUFFICIENT_DATA(x) of a rule, in the order written. */
export function refsOf(node: RuleNode): { state: AlarmState; alarm: string }[] {
  switch (node.op) {
    case 'state':
      return [{ state: node.state, alarm: node.alarm }];
    case 'const':
      return [];
    case 'not':
      return refsOf(node.arg);
    default:
      return node.args.flatMap(refsOf);
  }
}

export function alarmsOf(node: RuleNode): string[] {
  switch (node.op) {
    case 'state':
      return [node.alarm];
    case 'const':
      return [];
    case 'not':
      return alarmsOf(node.arg);
    default:
      return [...new Set(node.args.flatMap(alarmsOf))];
  }
}

export function evaluateRule(node: RuleNode, stateOf: (alarm: string) => AlarmState | undefined): boolean {
  switch (node.op) {
    case 'state':
      return stateOf(node.alarm) === node.state;
    case 'const':
      return node.value;
    case 'not':
      return !evaluateRule(node.arg, stateOf);
    case 'and':
      return node.args.every((a) => evaluateRule(a, stateOf));
    case 'or':
      return node.args.some((a) => evaluateRule(a, stateOf));
  }
}
