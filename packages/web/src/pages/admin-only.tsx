import type { ComponentChildren } from 'preact';
import { Page } from '../components/page.js';
import { auth, isAdmin } from '../core/session-store.js';
import { useStore } from '../core/store.js';

/** The children for an admin; for anyone else, the page's heading and why there is nothing to see. */
export function AdminOnly({ title, children }: { title: string; children: ComponentChildren }) {
  const state = useStore(auth);
  if (isAdmin(state)) return <>{children}</>;
  return <Page title={title} description="Only an admin may see and manage this; ask one of your admins." />;
}
