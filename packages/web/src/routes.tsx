/** The client routes of the contract, most specific first, each with its page. */
import type { ComponentType } from 'preact';
import { AccountPage } from './pages/account-page.js';
import { ConfigPage } from './pages/config-page.js';
import { GroupsPage } from './pages/groups-page.js';
import { HeartbeatDetailPage } from './pages/heartbeat-detail-page.js';
import { HeartbeatFormPage } from './pages/heartbeat-form-page.js';
import { HeartbeatsPage } from './pages/heartbeats-page.js';
import { MaintenancePage } from './pages/maintenance-page.js';
import { MonitorDetailPage } from './pages/monitor-detail-page.js';
import { MonitorFormPage } from './pages/monitor-form-page.js';
import { MonitorsPage } from './pages/monitors-page.js';
import { OverviewPage } from './pages/overview-page.js';
import { StatusPageDetailPage } from './pages/status-page-detail-page.js';
import { StatusPagesPage } from './pages/status-pages-page.js';
import { TokensPage } from './pages/tokens-page.js';
import { UsersPage } from './pages/users-page.js';
import { PlaceholderPage } from './pages/placeholder-page.js';

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
  { pattern: '/heartbeats/new', page: () => <HeartbeatFormPage /> },
  { pattern: '/heartbeats/:name/edit', page: ({ params }) => <HeartbeatFormPage name={params.name} /> },
  { pattern: '/heartbeats/:name', page: HeartbeatDetailPage },
  { pattern: '/metrics', page: placeholder('Metrics') },
  { pattern: '/alarms', page: placeholder('Alarms') },
  { pattern: '/alarms/:name', page: placeholder('Alarm') },
  { pattern: '/topics', page: placeholder('Topics') },
  { pattern: '/topics/:name', page: placeholder('Topic') },
  { pattern: '/deliveries', page: placeholder('Deliveries') },
  { pattern: '/maintenance', page: MaintenancePage },
  { pattern: '/groups', page: GroupsPage },
  { pattern: '/status-pages', page: StatusPagesPage },
  { pattern: '/status-pages/:slug', page: StatusPageDetailPage },
  { pattern: '/tokens', page: TokensPage },
  { pattern: '/users', page: UsersPage },
  { pattern: '/config', page: ConfigPage },
  { pattern: '/account', page: AccountPage },
];
