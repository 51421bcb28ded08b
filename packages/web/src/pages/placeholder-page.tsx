import { Page } from '../components/page.js';

/** A route whose page is written in part 2 of the UI. */
export function PlaceholderPage({ title }: { title: string }) {
  return <Page title={title} description="Coming in part 2 of the web UI." />;
}

export function NotFoundPage() {
  return <Page title="Page not found" description="There is no page at this address; pick one from the menu." />;
}
