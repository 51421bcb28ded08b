import { Page } from '../components/page.js';

export function MonitorsPage(_props: { params: Record<string, string> }) {
  return <Page title="MonitorsPage" />;
}
