/** Tags as key=value rows: a key input and a value input a row, Add a row, Remove one (each labelled for its row). */
import type { TagRow } from './command-run-form-values.js';

export interface TagRowsProps {
  /** The prefix of the inputs' ids and the fieldset's legend. */
  id: string;
  legend: string;
  rows: TagRow[];
  onChange: (rows: TagRow[]) => void;
  /** Under the rows (what a value with `|` means, say). */
  hint?: string;
  error?: string;
}

export function TagRows({ id, legend, rows, onChange, hint, error }: TagRowsProps) {
  const set = (i: number, patch: Partial<TagRow>) => onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <fieldset id={id} class={`tag-rows ${error ? 'field-invalid' : ''}`} aria-describedby={described}>
      <legend>{legend}</legend>
      {rows.map((r, i) => (
        // Rows have no identity but their place: a removed row's inputs are the next row's.
        <div class="tag-row" key={i} data-testid={`${id}-row`}>
          <div class="field">
            <label for={`${id}-key-${i}`}>Key {i + 1}</label>
            <input
              id={`${id}-key-${i}`}
              value={r.key}
              placeholder="role"
              aria-invalid={error ? 'true' : undefined}
              onInput={(e) => set(i, { key: (e.currentTarget as HTMLInputElement).value })}
            />
          </div>
          <div class="field">
            <label for={`${id}-value-${i}`}>Value {i + 1}</label>
            <input
              id={`${id}-value-${i}`}
              value={r.value}
              placeholder="web"
              onInput={(e) => set(i, { value: (e.currentTarget as HTMLInputElement).value })}
            />
          </div>
          <button
            type="button"
            class="button-small"
            aria-label={`Remove tag ${i + 1}${r.key ? ` (${r.key})` : ''}`}
            onClick={() => onChange(rows.filter((_, j) => j !== i))}
          >
            Remove
          </button>
        </div>
      ))}
      <div>
        <button type="button" class="button-small" onClick={() => onChange([...rows, { key: '', value: '' }])}>
          Add tag
        </button>
      </div>
      {hint && (
        <p class="field-hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p class="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </fieldset>
  );
}

/** Tags as rows, in key order. */
export function rowsOfTags(tags: Record<string, string>): TagRow[] {
  return Object.entries(tags).map(([key, value]) => ({ key, value }));
}

/** Rows as tags (a key given twice: the last row wins); rows without a key are dropped. */
export function tagsOfRows(rows: TagRow[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of rows) if (r.key.trim()) out[r.key.trim()] = r.value.trim();
  return out;
}
