/** The client routes of the contract, most specific first, each with its page. */
import type { ComponentType } from 'preact';
import { lazyPage } from './components/lazy-page.js';
import { AccountPage } from './pages/account-page.js';
import { ConfigPage } from './pages/config-page.js';
import { GroupsPage } from './pages/groups-page.js';
import { AlarmDetailPage } from './pages/alarm-detail-page.js';
import { AlarmsPage } from './pages/alarms-page.js';
import { DeliveriesPage } from './pages/deliveries-page.js';
import { HeartbeatDetailPage } from './pages/heartbeat-detail-page.js';
import { HeartbeatFormPage } from './pages/heartbeat-form-page.js';
import { HeartbeatsPage } from './pages/heartbeats-page.js';
import { MaintenancePage } from './pages/maintenance-page.js';
import { MonitorDetailPage } from './pages/monitor-detail-page.js';
import { MonitorFormPage } from './pages/monitor-form-page.js';
import { MetricsPage } from './pages/metrics-page.js';
import { MonitorsPage } from './pages/monitors-page.js';
import { OverviewPage } from './pages/overview-page.js';
import { StatusPageDetailPage } from './pages/status-page-detail-page.js';
import { StatusPagesPage } from './pages/status-pages-page.js';
import { TokensPage } from './pages/tokens-page.js';
import { UsersPage } from './pages/users-page.js';
import { TopicDetailPage } from './pages/topic-detail-page.js';
import { TopicsPage } from './pages/topics-page.js';

export type RouteParams = Record<string, string>;

export interface RouteDef {
  pattern: string;
  page: ComponentType<{ params: RouteParams }>;
}

// The log, archive and fleet pages load on first visit (their own chunk), so that the app shell stays within budget.
const LogSearchPage = lazyPage(() => import('./pages/log-search-page.js').then((m) => m.LogSearchPage));
const LogTailPage = lazyPage(() => import('./pages/log-tail-page.js').then((m) => m.LogTailPage));
const LogRulesPage = lazyPage(() => import('./pages/log-rules-page.js').then((m) => m.LogRulesPage));
const LogRuleNewPage = lazyPage(() => import('./pages/log-rule-page.js').then((m) => m.LogRuleNewPage));
const LogRulePage = lazyPage(() => import('./pages/log-rule-page.js').then((m) => m.LogRulePage));
const LogGroupsPage = lazyPage(() => import('./pages/log-groups-page.js').then((m) => m.LogGroupsPage));
const LogPipelinePage = lazyPage(() => import('./pages/log-pipeline-page.js').then((m) => m.LogPipelinePage));
const ArchivesPage = lazyPage(() => import('./pages/archives-page.js').then((m) => m.ArchivesPage));
const ArchiveDetailPage = lazyPage(() => import('./pages/archive-detail-page.js').then((m) => m.ArchiveDetailPage));
const AgentsPage = lazyPage(() => import('./pages/agents-page.js').then((m) => m.AgentsPage));
const AgentDetailPage = lazyPage(() => import('./pages/agent-detail-page.js').then((m) => m.AgentDetailPage));
const CommandsPage = lazyPage(() => import('./pages/commands-page.js').then((m) => m.CommandsPage));
const CommandRunPage = lazyPage(() => import('./pages/command-run-page.js').then((m) => m.CommandRunPage));

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
  { pattern: '/metrics', page: MetricsPage },
  { pattern: '/alarms', page: AlarmsPage },
  { pattern: '/alarms/:name', page: AlarmDetailPage },
  { pattern: '/logs', page: LogSearchPage },
  { pattern: '/logs/tail', page: LogTailPage },
  { pattern: '/logs/rules', page: LogRulesPage },
  { pattern: '/logs/rules/new', page: LogRuleNewPage },
  { pattern: '/logs/rules/:name', page: LogRulePage },
  { pattern: '/logs/groups', page: LogGroupsPage },
  { pattern: '/logs/pipeline', page: LogPipelinePage },
  { pattern: '/archives', page: ArchivesPage },
  { pattern: '/archives/:name', page: ArchiveDetailPage },
  { pattern: '/agents', page: AgentsPage },
  { pattern: '/agents/:id', page: AgentDetailPage },
  { pattern: '/commands', page: CommandsPage },
  { pattern: '/commands/:id', page: CommandRunPage },
  { pattern: '/topics', page: TopicsPage },
  { pattern: '/topics/:name', page: TopicDetailPage },
  { pattern: '/deliveries', page: DeliveriesPage },
  { pattern: '/maintenance', page: MaintenancePage },
  { pattern: '/groups', page: GroupsPage },
  { pattern: '/status-pages', page: StatusPagesPage },
  { pattern: '/status-pages/:slug', page: StatusPageDetailPage },
  { pattern: '/tokens', page: TokensPage },
  { pattern: '/users', page: UsersPage },
  { pattern: '/config', page: ConfigPage },
  { pattern: '/account', page: AccountPage },
];
