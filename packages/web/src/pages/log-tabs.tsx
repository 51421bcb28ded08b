import { Link } from '../components/link.js';
import { useLocation } from '../core/router.js';

const tabs = [
  { href: '/logs', label: 'Search' },
  { href: '/logs/tail', label: 'Live tail' },
  { href: '/logs/rules', label: 'Rules' },
  { href: '/logs/groups', label: 'Log groups' },
  { href: '/logs/pipeline', label: 'Pipeline health' },
];

/** The log pages' own navigation, under each one's heading; the current one is marked for screen readers too. */
export function LogTabs() {
  const { path } = useLocation();
  const current = (href: string) =>
    href === '/logs' ? path === '/logs' : path === href || path.startsWith(`${href}/`);
  return (
    <nav class="log-tabs" aria-label="Log pages">
      <ul>
        {tabs.map((t) => (
          <li key={t.href}>
            <Link href={t.href} aria-current={current(t.href) ? 'page' : undefined}>
              {t.label}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}
