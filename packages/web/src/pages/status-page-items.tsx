import { statusPageItemTypes } from '@tocsin/protocol';
import type { StatusPageItem } from './status-pages-page.js';

export interface ItemsEditorProps {
  items: StatusPageItem[];
  onChange: (items: StatusPageItem[]) => void;
  /** Issues by `items.<i>.<field>`. */
  errors: Record<string, string>;
  disabled?: boolean;
}

function move<T>(list: T[], from: number, to: number): T[] {
  const out = [...list];
  const [x] = out.splice(from, 1);
  out.splice(to, 0, x);
  return out;
}

/** The ordered list of what a status page shows: type, name and label of each, with up, down and remove. */
export function ItemsEditor({ items, onChange, errors, disabled }: ItemsEditorProps) {
  const set = (i: number, patch: Partial<StatusPageItem>) =>
    onChange(items.map((it, j) => (j === i ? { ...it, ...patch } : it)));
  return (
    <fieldset disabled={disabled}>
      <legend>What the page shows, in order</legend>
      {items.length === 0 && <p class="muted">Nothing yet: add a monitor, a heartbeat or a group.</p>}
      <ol class="item-list">
        {items.map((it, i) => {
          const err = (f: string) => errors[`items.${i}.${f}`];
          const id = (f: string) => `field-items.${i}.${f}`;
          return (
            <li key={i} class="form-grid item-row" data-testid={`status-item-${i}`}>
              <div class="field">
                <label for={id('type')}>Type of item {i + 1}</label>
                <select
                  id={id('type')}
                  value={it.type}
                  onChange={(e) =>
                    set(i, { type: (e.currentTarget as HTMLSelectElement).value as StatusPageItem['type'] })
                  }
                >
                  {statusPageItemTypes.map((t) => (
                    <option key={t} value={t}>
                      {t}
                    </option>
                  ))}
                </select>
              </div>
              <div class={`field ${err('name') ? 'field-invalid' : ''}`}>
                <label for={id('name')}>Name of item {i + 1}</label>
                <input
                  id={id('name')}
                  value={it.name}
                  list={`names-${it.type}`}
                  aria-invalid={err('name') ? 'true' : undefined}
                  aria-describedby={err('name') ? `${id('name')}-error` : undefined}
                  onInput={(e) => set(i, { name: (e.currentTarget as HTMLInputElement).value })}
                />
                {err('name') && (
                  <p class="field-error" id={`${id('name')}-error`}>
                    {err('name')}
                  </p>
                )}
              </div>
              <div class={`field ${err('label') ? 'field-invalid' : ''}`}>
                <label for={id('label')}>Label of item {i + 1}</label>
                <input
                  id={id('label')}
                  value={it.label ?? ''}
                  placeholder="The name"
                  aria-invalid={err('label') ? 'true' : undefined}
                  onInput={(e) => set(i, { label: (e.currentTarget as HTMLInputElement).value || undefined })}
                />
                {err('label') && <p class="field-error">{err('label')}</p>}
              </div>
              <div class="pill-row item-actions">
                <button
                  type="button"
                  class="button-small"
                  disabled={i === 0}
                  onClick={() => onChange(move(items, i, i - 1))}
                >
                  Move item {i + 1} up
                </button>
                <button
                  type="button"
                  class="button-small"
                  disabled={i === items.length - 1}
                  onClick={() => onChange(move(items, i, i + 1))}
                >
                  Move item {i + 1} down
                </button>
                <button type="button" class="button-small" onClick={() => onChange(items.filter((_, j) => j !== i))}>
                  Remove item {i + 1}
                </button>
              </div>
            </li>
          );
        })}
      </ol>
      <button type="button" onClick={() => onChange([...items, { type: 'monitor', name: '' }])}>
        Add an item
      </button>
    </fieldset>
  );
}

/** Datalists of the names there are, for the items' name inputs. */
export function NameLists({ names }: { names: Record<string, string[]> }) {
  return (
    <>
      {Object.entries(names).map(([type, list]) => (
        <datalist key={type} id={`names-${type}`}>
          {list.map((n) => (
            <option key={n} value={n} />
          ))}
        </datalist>
      ))}
    </>
  );
}
