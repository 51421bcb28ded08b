import { toast } from './toasts.js';

/** Copies with the Clipboard API, or, where it is missing (plain HTTP), through a selected text area. */
export async function copyText(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // Denied: try the old way.
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.appendChild(area);
  area.select();
  let ok = false;
  try {
    ok = document.execCommand('copy');
  } catch {
    ok = false;
  }
  area.remove();
  return ok;
}

export interface CopyButtonProps {
  text: string;
  /** The button's text ("Copy" by default); say what is copied when there are several. */
  label?: string;
}

export function CopyButton({ text, label = 'Copy' }: CopyButtonProps) {
  return (
    <button
      type="button"
      class="button-small"
      onClick={async () => {
        const ok = await copyText(text);
        toast(
          ok ? 'Copied to the clipboard.' : 'Could not copy; select the text and copy it by hand.',
          ok ? 'info' : 'error',
        );
      }}
    >
      {label}
    </button>
  );
}
