import { useEffect } from 'react';

export const APP_NAME = 'Gridshare';

/** "(3 online) friends — Gridshare" */
export function gridTitle(gridName: string, online: number): string {
  return `(${online} online) ${gridName} — ${APP_NAME}`;
}

/** "(3 online) survival · friends — Gridshare": the grid's count, as on the grid page. */
export function processTitle(processName: string, gridName: string, online: number): string {
  return gridTitle(`${processName} · ${gridName}`, online);
}

export function pageTitle(page?: string): string {
  return page ? `${page} — ${APP_NAME}` : APP_NAME;
}

/**
 * Sets the tab's title. Call it in the page that is drawn, not in a wrapper
 * around it: effects run child first, so a wrapper's title would win.
 */
export function useDocumentTitle(title: string): void {
  useEffect(() => {
    document.title = title;
  }, [title]);
}

/** useDocumentTitle for a state a wrapper draws itself (loading, an error), beside what it draws. */
export function DocumentTitle({ title }: { title: string }): null {
  useDocumentTitle(title);
  return null;
}
