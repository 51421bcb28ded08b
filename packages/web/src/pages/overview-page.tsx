import { Page } from '../components/page.js';

export function OverviewPage(_props: { params: Record<string, string> }) {
  return <Page title="OverviewPage" />;
}
