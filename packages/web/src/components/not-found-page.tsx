/** @jsxRuntime automatic */
import { Link } from '../app/router.js';
import { paths } from '../app/routes.js';
import { pageTitle, useDocumentTitle } from './use-document-title.js';

interface Props {
  what?: 'page' | 'grid' | 'process';
  /** The nearest place that is still there, e.g. the grid a missing process was in. */
  back?: { to: string; label: string };
}

/** An unknown page, or a grid that does not exist for you: the same answer, on purpose. */
export function NotFoundPage({ what = 'page', back }: Props) {
  useDocumentTitle(pageTitle('Not found'));
  const text = {
    page: { title: 'Page not found', body: 'There is nothing at this address.' },
    grid: {
      title: 'Grid not found',
      body: 'This grid does not exist, or you are not a member of it. Ask someone in the grid for an invite code, then join with it.',
    },
    process: { title: 'Process not found', body: 'This process is not in this grid. It may have been removed, or you followed an old link.' },
  }[what];
  return (
    <section className="not-found" aria-labelledby="not-found-title">
      <div className="not-found-code" aria-hidden="true">404</div>
      <h1 id="not-found-title" tabIndex={-1}>
        {text.title}
      </h1>
      <p>{text.body}</p>
      <div className="state-actions">
        {what === 'grid' && (
          <Link className="btn btn-primary" to={paths.join()}>
            Join with a code
          </Link>
        )}
        {back && (
          <Link className="btn btn-primary" to={back.to}>
            {back.label}
          </Link>
        )}
        <Link className="btn" to={paths.home()}>
          Back to my grids
        </Link>
      </div>
    </section>
  );
}
