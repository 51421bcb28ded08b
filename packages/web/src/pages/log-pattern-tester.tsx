import { useState } from 'preact/hooks';
import { StateBadge } from '../components/state-badge.js';
import { api } from '../core/api-client.js';
import type { LogPatternResult } from '../core/api-types.js';
import { PatternError, type PatternProblem, problemOf } from './log-pattern-error.js';

const MAX_LINES = 1000;

const fieldText = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

/**
 * "Test this pattern on these lines": pasted lines (one an event) go to `POST /api/log-rules/test` with the
 * pattern being edited; each comes back marked matched or not, with what the pattern extracted from it.
 */
export function PatternTester({ pattern }: { pattern: string }) {
  const [lines, setLines] = useState('');
  const [busy, setBusy] = useState(false);
  const [results, setResults] = useState<{ pattern: string; results: LogPatternResult[] } | undefined>();
  const [problem, setProblem] = useState<(PatternProblem & { pattern: string }) | undefined>();
  const [note, setNote] = useState<string | undefined>();

  const test = async () => {
    const list = lines.replace(/\r\n?/g, '\n').split('\n');
    while (list.length && list[list.length - 1] === '') list.pop();
    setProblem(undefined);
    setNote(undefined);
    if (!list.length) return setNote('Paste at least one line to test.');
    if (list.length > MAX_LINES) return setNote(`At most ${MAX_LINES} lines at once (${list.length} pasted).`);
    setBusy(true);
    try {
      const answer = await api.post<{ results: LogPatternResult[] }>('/api/log-rules/test', { pattern, lines: list });
      setResults({ pattern, results: answer.results });
    } catch (err) {
      setResults(undefined);
      setProblem({ ...problemOf(err), pattern });
    } finally {
      setBusy(false);
    }
  };

  const matched = results?.results.filter((r) => r.matched).length ?? 0;
  return (
    <section class="section pattern-tester" aria-labelledby="pattern-tester-title">
      <h2 id="pattern-tester-title">Test this pattern on these lines</h2>
      <div class="field">
        <label for="pattern-test-lines">Lines to test</label>
        <textarea
          id="pattern-test-lines"
          class="mono"
          rows={6}
          spellcheck={false}
          value={lines}
          aria-describedby="pattern-test-hint"
          onInput={(e) => setLines((e.currentTarget as HTMLTextAreaElement).value)}
        />
        <p class="field-hint" id="pattern-test-hint">
          One log line a line, as the source writes it (JSON lines are matched by JSON predicates).
        </p>
      </div>
      <div class="form-actions">
        <button type="button" onClick={test} disabled={busy}>
          {busy ? 'Testing…' : 'Test pattern'}
        </button>
      </div>
      {note && <p class="form-error">{note}</p>}
      {problem && <PatternError id="pattern-test-error" pattern={problem.pattern} problem={problem} />}
      {results && (
        <>
          <p role="status" data-testid="pattern-test-summary">
            {matched} of {results.results.length} lines match <code>{results.pattern || '(every line)'}</code>.
          </p>
          <ol class="pattern-results">
            {results.results.map((r, i) => (
              <li key={i} data-testid="pattern-result" data-matched={String(r.matched)}>
                <StateBadge state={r.matched ? 'OK' : 'NEW'} label={r.matched ? 'matched' : 'no match'} />
                <code class="pattern-line">{r.line}</code>
                {r.fields && Object.keys(r.fields).length > 0 && (
                  <dl class="pattern-fields">
                    {Object.entries(r.fields).map(([k, v]) => (
                      <div key={k}>
                        <dt>{k}</dt>
                        <dd>{fieldText(v)}</dd>
                      </div>
                    ))}
                  </dl>
                )}
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}
