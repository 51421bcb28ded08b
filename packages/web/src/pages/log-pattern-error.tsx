import { ApiError, errorMessage } from '../core/api-client.js';
import { errorPosition } from './log-search-query.js';

/** A filter pattern's error as the server gave it (a 400 naming the position), for the field that shows it. */
export interface PatternProblem {
  message: string;
  /** 1-based character of the pattern. */
  position?: number;
}

/**
 * The pattern's problem in an API error: a 400 about the pattern (its message names the filter pattern or a
 * `pattern` field issue); undefined for any other error, which the page shows as it shows errors.
 */
export function patternProblem(err: unknown): PatternProblem | undefined {
  if (!(err instanceof ApiError) || err.status !== 400) return undefined;
  const field = err.fields.pattern;
  if (!field && !/pattern/i.test(err.message)) return undefined;
  const message = field ?? err.message;
  return { message, position: errorPosition(message, err.details) ?? errorPosition(err.message, err.details) };
}

/** A problem of any error, for a field: the pattern's when it is one, else the error's message. */
export function problemOf(err: unknown): PatternProblem {
  return patternProblem(err) ?? { message: errorMessage(err) };
}

/**
 * The error under a pattern input (give the input `aria-describedby={id}`): the server's message, then the
 * pattern with a caret under the character it names, so a long pattern's mistake is found at a glance.
 */
export function PatternError({ id, pattern, problem }: { id: string; pattern: string; problem: PatternProblem }) {
  const at = problem.position;
  const shown = at !== undefined && at >= 1 && at <= pattern.length + 1;
  return (
    <div class="field-error pattern-error" id={id} role="alert" data-testid="pattern-error">
      <p>{problem.message}</p>
      {shown && (
        <pre class="pattern-caret" aria-hidden="true">
          {pattern}
          {'\n'}
          {`${' '.repeat(at - 1)}^`}
        </pre>
      )}
      {shown && <p class="visually-hidden">At character {at} of the pattern.</p>}
    </div>
  );
}
