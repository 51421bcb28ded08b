import type { ComponentChildren } from 'preact';
import { useId, useLayoutEffect, useRef } from 'preact/hooks';

export interface DialogProps {
  open: boolean;
  title: string;
  onClose: () => void;
  children?: ComponentChildren;
}

const focusable =
  'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea, [tabindex]';

/** Tab and Shift+Tab go round the dialog's own controls (the browser would leave the page from the last one). */
function trapTab(e: KeyboardEvent, d: HTMLDialogElement): void {
  if (e.key !== 'Tab') return;
  const all = [...d.querySelectorAll<HTMLElement>(focusable)].filter((el) => el.tabIndex >= 0);
  if (all.length === 0) return;
  const [first, last] = [all[0], all[all.length - 1]];
  if (e.shiftKey && document.activeElement === first) {
    e.preventDefault();
    last.focus();
  } else if (!e.shiftKey && document.activeElement === last) {
    e.preventDefault();
    first.focus();
  }
}

/**
 * A modal `<dialog>`: focus moves into it (its first control) and stays there (Tab goes round), Escape closes it,
 * and focus returns to what had it before (the button that opened it).
 */
export function Dialog({ open, title, onClose, children }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const opener = useRef<HTMLElement | null>(null);
  const titleId = useId();
  // Opened as the render that asks for it commits, not after paint: a key pressed at once already reaches it.
  useLayoutEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) {
      opener.current = document.activeElement as HTMLElement | null;
      d.showModal();
    }
    if (!open && d.open) d.close();
    if (!open && opener.current) {
      if (opener.current.isConnected) opener.current.focus();
      opener.current = null;
    }
  }, [open]);
  return (
    <dialog
      ref={ref}
      class="dialog"
      aria-labelledby={titleId}
      onClose={onClose}
      onCancel={onClose}
      onKeyDown={(e) => ref.current && trapTab(e as unknown as KeyboardEvent, ref.current)}
    >
      <h2 id={titleId}>{title}</h2>
      {children}
    </dialog>
  );
}
