/** The client routes of the contract, most specific first, each with its page. */
import type { ComponentType } from 'preact';
import { AccountPage } from './pages/account-page.js';
import { AlarmDetailPage } from './pages/alarm-detail-page.js';
import { AlarmsPage } from './pages/alarms-page.js';
import { DeliveriesPage } from './pages/deliveries-page.js';
import { HeartbeatDetailPage } from './pages/heartbeat-detail-page.js';
import { HeartbeatsPage } from './pages/heartbeats-page.js';
import { MonitorDetailPage } from './pages/monitor-detail-page.js';
import { MonitorFormPage } from './pages/monitor-form-page.js';
import { MetricsPage } from './pages/metrics-page.js';
import { MonitorsPage } from './pages/monitors-page.js';
import { OverviewPage } from './pages/overview-page.js';
import { PlaceholderPage } from './pages/placeholder-page.js';
import { TopicDetailPage } from './pages/topic-detail-page.js';
import { TopicsPage } from './pages/topics-page.js';

export type RouteParams = Record<string, string>;

export interface RouteDef {
  pattern: string;
  page: ComponentType<{ params: RouteParams }>;
}

const placeholder =
  (title: string): ComponentType<{ params: RouteParams }> =>
  () => <PlaceholderPage title={title} />;

export const routes: RouteDef[] = [
  { pattern: '/', page: OverviewPage },
  { pattern: '/monitors', page: MonitorsPage },
  { pattern: '/monitors/new', page: () => <MonitorFormPage /> },
  { pattern: '/monitors/:name/edit', page: ({ params }) => <MonitorFormPage name={params.name} /> },
  { pattern: '/monitors/:name', page: MonitorDetailPage },
  { pattern: '/heartbeats', page: HeartbeatsPage },
  { pattern: '/heartbeats/:name', page: HeartbeatDetailPage },
  { pattern: '/metrics', page: MetricsPage },
  { pattern: '/alarms', page: AlarmsPage },
  { pattern: '/alarms/:name', page: AlarmDetailPage },
  { pattern: '/topics', page: TopicsPage },
  { pattern: '/topics/:name', page: TopicDetailPage },
  { pattern: '/deliveries', page: DeliveriesPage },
  { pattern: '/maintenance', page: placeholder('Maintenance') },
  { pattern: '/groups', page: placeholder('Groups') },
  { pattern: '/status-pages', page: placeholder('Status pages') },
  { pattern: '/status-pages/:slug', page: placeholder('Status page') },
  { pattern: '/tokens', page: placeholder('Tokens') },
  { pattern: '/users', page: placeholder('Users') },
  { pattern: '/config', page: placeholder('Config') },
  { pattern: '/account', page: AccountPage },
];
