/** Light or dark: the system's preference unless the user chose one (kept in localStorage). */
import { createStore } from './store.js';

export type ThemeChoice = 'system' | 'light' | 'dark';
const KEY = 'tocsin-theme';
const media = window.matchMedia('(prefers-color-scheme: dark)');

function stored(): ThemeChoice {
  try {
    const v = window.localStorage.getItem(KEY);
    return v === 'light' || v === 'dark' ? v : 'system';
  } catch {
    return 'system';
  }
}

export const themeChoice = createStore<ThemeChoice>(stored());
/** The theme in effect, for what cannot read CSS variables on its own (charts redraw on change). */
export const effectiveTheme = createStore<'light' | 'dark'>('light');

function apply(): void {
  const choice = themeChoice.get();
  const dark = choice === 'dark' || (choice === 'system' && media.matches);
  if (choice === 'system') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = choice;
  effectiveTheme.set(dark ? 'dark' : 'light');
}

export function setTheme(choice: ThemeChoice): void {
  try {
    if (choice === 'system') window.localStorage.removeItem(KEY);
    else window.localStorage.setItem(KEY, choice);
  } catch {
    // Private mode: the choice lasts for this page.
  }
  themeChoice.set(choice);
  apply();
}

export function initTheme(): void {
  apply();
  media.addEventListener('change', apply);
}
