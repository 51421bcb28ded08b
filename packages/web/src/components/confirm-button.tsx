import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { errorMessage } from '../core/api-client.js';
import { Dialog } from './dialog.js';
import { toast } from './toasts.js';

export interface ConfirmButtonProps {
  /** The button's text, such as "Delete". */
  label: string;
  /** What the dialog asks. */
  question: ComponentChildren;
  /** The confirming button's text ("Yes, delete"); the label by default. */
  confirmLabel?: string;
  /** Red buttons for what cannot be undone. */
  danger?: boolean;
  disabled?: boolean;
  /** Runs on confirmation; a rejection is shown as a toast and keeps the dialog open. */
  onConfirm: () => Promise<unknown> | unknown;
}

/** A button that asks first, in a modal dialog (Escape or Cancel closes it). */
export function ConfirmButton(props: ConfirmButtonProps) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const confirm = async () => {
    setBusy(true);
    try {
      await props.onConfirm();
      setOpen(false);
    } catch (err) {
      toast(errorMessage(err), 'error');
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button
        type="button"
        class={props.danger ? 'button-danger' : undefined}
        disabled={props.disabled}
        onClick={() => setOpen(true)}
      >
        {props.label}
      </button>
      <Dialog open={open} title={props.label} onClose={() => setOpen(false)}>
        <div class="dialog-body">{props.question}</div>
        <div class="dialog-actions">
          <button type="button" onClick={() => setOpen(false)}>
            Cancel
          </button>
          <button
            type="button"
            class={props.danger ? 'button-danger' : 'button-primary'}
            disabled={busy}
            onClick={confirm}
          >
            {props.confirmLabel ?? props.label}
          </button>
        </div>
      </Dialog>
    </>
  );
}
