/** The sidebar's links, in groups: every top-level route of the app. */
export const navGroups: { label: string; items: { href: string; label: string }[] }[] = [
  {
    label: 'Watch',
    items: [
      { href: '/', label: 'Overview' },
      { href: '/monitors', label: 'Monitors' },
      { href: '/heartbeats', label: 'Heartbeats' },
      { href: '/metrics', label: 'Metrics' },
      { href: '/alarms', label: 'Alarms' },
      { href: '/logs', label: 'Logs' },
      { href: '/archives', label: 'Archives' },
      { href: '/groups', label: 'Groups' },
    ],
  },
  {
    label: 'Fleet',
    items: [
      { href: '/agents', label: 'Agents' },
      { href: '/commands', label: 'Commands' },
    ],
  },
  {
    label: 'Notify',
    items: [
      { href: '/topics', label: 'Topics' },
      { href: '/deliveries', label: 'Deliveries' },
      { href: '/maintenance', label: 'Maintenance' },
      { href: '/status-pages', label: 'Status pages' },
    ],
  },
  {
    label: 'Admin',
    items: [
      { href: '/tokens', label: 'Tokens' },
      { href: '/users', label: 'Users' },
      { href: '/config', label: 'Config' },
    ],
  },
];

/** Whether `href` is the current section (the overview only for `/` itself). */
export function isCurrent(href: string, path: string): boolean {
  return href === '/' ? path === '/' : path === href || path.startsWith(`${href}/`);
}
