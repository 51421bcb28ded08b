/**
 * Label matchers as Alertmanager evaluates them: `=` and `!=` compare the value (a missing label is the empty
 * string), `=~` and `!~` test a regular expression anchored at both ends.
 */
import { parseMatcher, type LabelMatcher } from '@tocsin/protocol';

export type Labels = Readonly<Record<string, string>>;
export type CompiledMatcher = (labels: Labels) => boolean;

export function compileMatcher(m: LabelMatcher): CompiledMatcher {
  if (m.op === '=') return (l) => (l[m.name] ?? '') === m.value;
  if (m.op === '!=') return (l) => (l[m.name] ?? '') !== m.value;
  const re = new RegExp(`^(?:${m.value})$`, 's');
  if (m.op === '=~') return (l) => re.test(l[m.name] ?? '');
  return (l) => !re.test(l[m.name] ?? '');
}

/** Compiles matchers already validated by the route schema; a bad one throws. */
export function compileMatchers(texts: readonly string[]): CompiledMatcher {
  const matchers = texts.map((text) => {
    const parsed = parseMatcher(text);
    if ('error' in parsed) throw new Error(parsed.error);
    return compileMatcher(parsed);
  });
  return (labels) => matchers.every((m) => m(labels));
}
