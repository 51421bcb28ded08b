import type { ComponentChildren } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { Link } from '../components/link.js';
import { Toasts } from '../components/toasts.js';
import { liveStatus } from '../core/live-stream.js';
import { useLocation } from '../core/router.js';
import { logout, type AuthState } from '../core/session-store.js';
import { useStore } from '../core/store.js';
import { setTheme, themeChoice, type ThemeChoice } from '../core/theme.js';
import { isCurrent, navGroups } from './nav-items.js';

const nextTheme: Record<ThemeChoice, ThemeChoice> = { system: 'dark', dark: 'light', light: 'system' };

function ThemeToggle() {
  const choice = useStore(themeChoice);
  return (
    <button
      type="button"
      class="button-ghost"
      onClick={() => setTheme(nextTheme[choice])}
      title="Light, dark, or as the system"
    >
      <span class="hide-narrow">Theme: </span>
      {choice}
    </button>
  );
}

function LiveIndicator() {
  const status = useStore(liveStatus);
  const text = status === 'open' ? 'Live' : status === 'connecting' ? 'Reconnecting…' : 'Offline';
  return (
    <span class={`live live-${status}`} title="Updates from the server's live stream">
      <span class="live-dot" aria-hidden="true" />
      <span class="live-text">{text}</span>
    </span>
  );
}

/** The first Tab stop: moves focus to the page's content (`main` takes focus; the router ignores the hash). */
function SkipLink() {
  return (
    <a class="skip-link" href="#main">
      Skip to content
    </a>
  );
}

/** The user's menu (a disclosure): Escape closes it and gives focus back to its button; so does leaving it. */
function UserMenu({ auth }: { auth: AuthState }) {
  const [open, setOpen] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  const toggle = useRef<HTMLButtonElement>(null);
  // A layout effect: the listeners are there as soon as the menu renders (an effect runs after paint, and a quick
  // Enter then Escape on a busy machine beat it).
  useLayoutEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      setOpen(false);
      toggle.current?.focus();
    };
    const onClick = (e: MouseEvent) => !box.current?.contains(e.target as Node) && setOpen(false);
    const onFocus = (e: FocusEvent) => !box.current?.contains(e.target as Node) && setOpen(false);
    document.addEventListener('keydown', onKey);
    document.addEventListener('click', onClick);
    document.addEventListener('focusin', onFocus);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('click', onClick);
      document.removeEventListener('focusin', onFocus);
    };
  }, [open]);
  if (auth.status !== 'signed-in') return null;
  const user = auth.session.user;
  return (
    <div class="user-menu" ref={box}>
      <button
        ref={toggle}
        type="button"
        class="button-ghost"
        aria-expanded={open}
        aria-controls="user-menu"
        onClick={() => setOpen(!open)}
      >
        {user.name} <span class="muted hide-narrow">({user.role})</span>
      </button>
      {open && (
        <ul class="menu" id="user-menu">
          <li>
            <Link href="/account" onClick={() => setOpen(false)}>
              Account
            </Link>
          </li>
          <li>
            <button type="button" class="link-button" onClick={() => void logout()}>
              Sign out
            </button>
          </li>
        </ul>
      )}
    </div>
  );
}

/** The signed-in frame: skip link, top bar (menu, live state, theme, user), sidebar navigation, main content. */
export function Layout({ auth, children }: { auth: AuthState; children: ComponentChildren }) {
  const { path } = useLocation();
  const [navOpen, setNavOpen] = useState(false);
  const navToggle = useRef<HTMLButtonElement>(null);
  useEffect(() => setNavOpen(false), [path]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && document.querySelector('.nav-open')) {
        // The phone menu hides: focus inside it would be lost, so it goes back to the Menu button.
        setNavOpen(false);
        if (document.getElementById('sidebar')?.contains(document.activeElement)) navToggle.current?.focus();
      }
      const target = e.target as HTMLElement;
      const typing = /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName) || target.isContentEditable;
      if (e.key === '/' && !typing && !e.ctrlKey && !e.metaKey) {
        const filter = document.querySelector<HTMLInputElement>('[data-page-filter]');
        if (filter) {
          e.preventDefault();
          filter.focus();
        }
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  return (
    <div class={`shell ${navOpen ? 'nav-open' : ''}`}>
      <SkipLink />
      <header class="topbar">
        <button
          ref={navToggle}
          type="button"
          class="button-ghost nav-toggle"
          aria-expanded={navOpen}
          aria-controls="sidebar"
          onClick={() => setNavOpen(!navOpen)}
        >
          Menu
        </button>
        <Link href="/" class="brand">
          Tocsin
        </Link>
        <div class="topbar-end">
          <LiveIndicator />
          <ThemeToggle />
          <UserMenu auth={auth} />
        </div>
      </header>
      <nav id="sidebar" class="sidebar" aria-label="Main">
        {navGroups.map((g) => (
          <div class="nav-group" key={g.label}>
            <p class="nav-group-label">{g.label}</p>
            <ul>
              {g.items.map((item) => (
                <li key={item.href}>
                  <Link href={item.href} aria-current={isCurrent(item.href, path) ? 'page' : undefined}>
                    {item.label}
                  </Link>
                </li>
              ))}
            </ul>
          </div>
        ))}
      </nav>
      <main id="main" class="main" tabIndex={-1}>
        {children}
      </main>
      <Toasts />
    </div>
  );
}

/** The frame of the setup and login pages: centred, with the theme toggle. */
export function BareLayout({ children }: { children: ComponentChildren }) {
  return (
    <div class="bare">
      <SkipLink />
      <header class="bare-head">
        <span class="brand">Tocsin</span>
        <ThemeToggle />
      </header>
      <main id="main" class="bare-main" tabIndex={-1}>
        {children}
      </main>
      <Toasts />
    </div>
  );
}
