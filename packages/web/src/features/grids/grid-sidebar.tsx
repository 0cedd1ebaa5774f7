/** @jsxRuntime automatic */
import { Link, useLocation } from '../../app/router.js';
import { paths } from '../../app/routes.js';
import { useSession, useSignedIn } from '../auth/session-context.js';
import { useGrids } from './grids-context.js';

/** My grids, the way to add one, and who I am. */
export function GridSidebar({ onNavigate }: { onNavigate?: () => void }) {
  const { grids, error, refresh } = useGrids();
  const { user, device } = useSignedIn();
  const { logout } = useSession();
  const { pathname } = useLocation();

  return (
    <nav className="sidebar" aria-label="Grids">
      <Link to={paths.home()} className="brand" onClick={onNavigate}>
        <span className="brand-mark" aria-hidden="true" />
        Gridshare
      </Link>
      <div className="sidebar-section">
        <h2 className="sidebar-heading">Your grids</h2>
        {grids === null && !error && <p className="sidebar-note">Loading…</p>}
        {error && (
          <div className="sidebar-note" role="alert">
            Could not load your grids.{' '}
            <button type="button" className="link-btn" onClick={() => void refresh()}>
              Try again
            </button>
          </div>
        )}
        {grids?.length === 0 && <p className="sidebar-note">No grids yet.</p>}
        {grids && grids.length > 0 && (
          <ul className="grid-list">
            {grids.map((g) => {
              const active = pathname.startsWith(paths.grid(g.id));
              return (
                <li key={g.id}>
                  {/* A long name is cut short with an ellipsis: the tooltip has it in full. */}
                  <Link to={paths.grid(g.id)} className={`grid-link ${active ? 'is-active' : ''}`} aria-current={active ? 'page' : undefined} title={g.name} onClick={onNavigate}>
                    <span className="grid-avatar" aria-hidden="true">
                      {g.name.trim().charAt(0).toUpperCase()}
                    </span>
                    <span className="grid-link-name">{g.name}</span>
                    <span className="grid-link-meta">{g.memberCount}</span>
                  </Link>
                </li>
              );
            })}
          </ul>
        )}
        <div className="sidebar-actions">
          <Link to={paths.newGrid()} className="sidebar-action" onClick={onNavigate}>
            <span aria-hidden="true">+</span> New grid
          </Link>
          <Link to={paths.join()} className="sidebar-action" onClick={onNavigate}>
            <span aria-hidden="true">→</span> Join with a code
          </Link>
          <Link to={paths.devices()} className="sidebar-action" onClick={onNavigate}>
            <span aria-hidden="true">▢</span> My devices
          </Link>
        </div>
      </div>
      <div className="sidebar-footer">
        <div className="whoami">
          <span className="user-avatar" aria-hidden="true">
            {user.username.charAt(0).toUpperCase()}
          </span>
          <span className="whoami-text">
            <span className="whoami-name">{user.username}</span>
            <span className="whoami-device">{device.name}</span>
          </span>
        </div>
        <button type="button" className="btn btn-small btn-ghost-dark" onClick={() => void logout()}>
          Log out
        </button>
      </div>
    </nav>
  );
}
