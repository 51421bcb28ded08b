import { Page } from '../components/page.js';

export function HeartbeatsPage(_props: { params: Record<string, string> }) {
  return <Page title="HeartbeatsPage" />;
}
