import { createStore, useStore } from '../core/store.js';

interface Toast {
  id: number;
  text: string;
  kind: 'info' | 'error';
}

const toasts = createStore<Toast[]>([]);
let nextId = 1;

/** Shows a short message at the bottom of the screen for a few seconds (errors for longer). */
export function toast(text: string, kind: Toast['kind'] = 'info'): void {
  const id = nextId++;
  toasts.set([...toasts.get(), { id, text, kind }]);
  window.setTimeout(() => dismiss(id), kind === 'error' ? 8000 : 4000);
}

function dismiss(id: number): void {
  toasts.set(toasts.get().filter((t) => t.id !== id));
}

/** Where toasts appear; rendered once by the layout. */
export function Toasts() {
  const list = useStore(toasts);
  return (
    <div class="toasts" role="status" aria-live="polite">
      {list.map((t) => (
        <div key={t.id} class={`toast toast-${t.kind}`}>
          <span>{t.text}</span>
          <button type="button" class="link-button" onClick={() => dismiss(t.id)}>
            Dismiss
          </button>
        </div>
      ))}
    </div>
  );
}
