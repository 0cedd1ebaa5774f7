import { useEffect } from 'react';

export const APP_NAME = 'Gridshare';

/** "(3 online) friends — Gridshare" */
export function gridTitle(gridName: string, online: number): string {
  return `(${online} online) ${gridName} — ${APP_NAME}`;
}

export function pageTitle(page?: string): string {
  return page ? `${page} — ${APP_NAME}` : APP_NAME;
}

export function useDocumentTitle(title: string): void {
  useEffect(() => {
    document.title = title;
  }, [title]);
}
