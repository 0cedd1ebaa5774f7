/** @jsxRuntime automatic */
import { Link } from '../../app/router.js';
import { paths } from '../../app/routes.js';
import { PageHeader } from '../../components/page-header.js';
import { EmptyState, ErrorState, Loading } from '../../components/states.js';
import { pageTitle, useDocumentTitle } from '../../components/use-document-title.js';
import { useSignedIn } from '../auth/session-context.js';
import { useGrids } from './grids-context.js';

const ROLE_LABEL = { owner: 'Owner', admin: 'Admin', member: 'Member' } as const;

/** Where you land: your grids as cards, or how to get your first one. */
export function HomePage() {
  const { user } = useSignedIn();
  const { grids, error, refresh } = useGrids();
  useDocumentTitle(pageTitle('Your grids'));

  if (error && !grids) return <ErrorState title="Could not load your grids" message={error} onRetry={() => void refresh()} />;
  if (!grids) return <Loading label="Loading your grids…" />;
  return (
    <div className="page">
      <PageHeader
        title={`Hi, ${user.username}`}
        subtitle="Your grids. Open one to see every shared process, live."
        actions={
          grids.length > 0 && (
            <>
              <Link to={paths.join()} className="btn">
                Join with a code
              </Link>
              <Link to={paths.newGrid()} className="btn btn-primary">
                New grid
              </Link>
            </>
          )
        }
      />
      {grids.length === 0 ? (
        <EmptyState
          icon="◇"
          title="You are not in any grid yet"
          actions={
            <>
              <Link to={paths.newGrid()} className="btn btn-primary">
                Create a grid
              </Link>
              <Link to={paths.join()} className="btn">
                Join with a code
              </Link>
            </>
          }
        >
          <p>Create a grid and invite your friends, or join one with the invite code someone gave you.</p>
        </EmptyState>
      ) : (
        <ul className="grid-cards">
          {grids.map((g) => (
            <li key={g.id}>
              <Link to={paths.grid(g.id)} className="grid-card">
                <span className="grid-avatar grid-avatar-large" aria-hidden="true">
                  {g.name.trim().charAt(0).toUpperCase()}
                </span>
                <span className="grid-card-text">
                  <span className="grid-card-name">{g.name}</span>
                  <span className="grid-card-meta">
                    {ROLE_LABEL[g.role]} · {g.memberCount} {g.memberCount === 1 ? 'member' : 'members'}
                  </span>
                </span>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
