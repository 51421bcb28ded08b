import { Page } from '../components/page.js';

export function MonitorDetailPage(_props: { params: Record<string, string> }) {
  return <Page title="MonitorDetailPage" />;
}
