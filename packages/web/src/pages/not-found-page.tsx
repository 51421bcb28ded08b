import { Page } from '../components/page.js';

/** What an address that no route matches shows. */
export function NotFoundPage() {
  return <Page title="Page not found" description="There is no page at this address; pick one from the menu." />;
}
