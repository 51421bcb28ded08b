import { Page } from '../components/page.js';

export function HeartbeatDetailPage(_props: { params: Record<string, string> }) {
  return <Page title="HeartbeatDetailPage" />;
}
