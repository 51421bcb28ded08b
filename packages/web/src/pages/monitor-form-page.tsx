import { Page } from '../components/page.js';

export function MonitorFormPage(_props: { name?: string }) {
  return <Page title="Monitor form" />;
}
