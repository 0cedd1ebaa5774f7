/** @jsxRuntime automatic */
import { Link } from '../../app/router.js';
import { type GridTab, paths } from '../../app/routes.js';

export function GridTabs({ gridId, active, showInvites, counts }: { gridId: string; active: GridTab | null; showInvites: boolean; counts: { processes: number; members: number } }) {
  const tabs: Array<{ tab: GridTab; label: string; count?: number }> = [
    { tab: 'processes', label: 'Processes', count: counts.processes },
    { tab: 'members', label: 'Members', count: counts.members },
    ...(showInvites ? [{ tab: 'invites' as const, label: 'Invites' }] : []),
  ];
  return (
    <nav className="tabs" aria-label="Grid sections">
      {tabs.map((t) => (
        <Link key={t.tab} to={paths.grid(gridId, t.tab)} className={`tab ${active === t.tab ? 'is-active' : ''}`} aria-current={active === t.tab ? 'page' : undefined}>
          {t.label}
          {t.count !== undefined && <span className="tab-count">{t.count}</span>}
        </Link>
      ))}
    </nav>
  );
}
