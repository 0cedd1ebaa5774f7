/** @jsxRuntime automatic */
import { useEffect } from 'react';
import { Link } from '../../app/router.js';
import { paths } from '../../app/routes.js';
import { EmptyState } from '../../components/states.js';
import { pageTitle, useDocumentTitle } from '../../components/use-document-title.js';
import { useGrids } from '../grids/grids-context.js';

/** The live socket said we are out: removed, or we left in another tab. */
export function RemovedPage({ gridName }: { gridName: string }) {
  const { refresh } = useGrids();
  useDocumentTitle(pageTitle(gridName));
  useEffect(() => {
    void refresh();
  }, [refresh]);
  return (
    <EmptyState
      icon="⎋"
      title={`You are no longer in ${gridName}`}
      actions={
        <Link to={paths.home()} className="btn btn-primary">
          Back to my grids
        </Link>
      }
    >
      <p>You left this grid or were removed from it. To come back, ask a member for a new invite code.</p>
    </EmptyState>
  );
}
