/** @jsxRuntime automatic */
import { type ReactNode, useEffect, useRef, useState } from 'react';
import { GridSidebar } from '../features/grids/grid-sidebar.js';
import { useLocation } from './router.js';

/** Where the sidebar becomes a drawer: the same breakpoint as styles/layout.css. */
const NARROW = '(max-width: 820px)';

/** Sidebar beside the page; on a phone, a top bar whose menu button opens the sidebar as a drawer. */
export function AppShell({ children }: { children: ReactNode }) {
  const [open, setOpen] = useState(false);
  const { pathname } = useLocation();
  const first = useRef(true);
  const menuButton = useRef<HTMLButtonElement>(null);

  // A new page: close the drawer, start at the top, and put focus on the page so it is announced.
  useEffect(() => {
    setOpen(false);
    if (first.current) {
      first.current = false;
      return;
    }
    window.scrollTo(0, 0);
    const target = document.querySelector<HTMLElement>('#main h1') ?? document.getElementById('main');
    target?.focus({ preventScroll: true });
  }, [pathname]);

  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        setOpen(false);
        menuButton.current?.focus();
      }
    };
    // Widened past the breakpoint while open: no drawer any more, so nothing may stay inert.
    const narrow = window.matchMedia?.(NARROW);
    const onResize = () => {
      if (!narrow?.matches) setOpen(false);
    };
    window.addEventListener('keydown', onKey);
    narrow?.addEventListener('change', onResize);
    return () => {
      window.removeEventListener('keydown', onKey);
      narrow?.removeEventListener('change', onResize);
    };
  }, [open]);

  return (
    <div className={`shell ${open ? 'drawer-open' : ''}`}>
      {/* While the drawer is open, what is behind its scrim is out of reach: Tab stays in the menu. */}
      <a href="#main" className="skip-link" inert={open}>
        Skip to content
      </a>
      <header className="topbar">
        <button ref={menuButton} type="button" className="menu-btn" aria-expanded={open} aria-controls="sidebar" onClick={() => setOpen((o) => !o)}>
          <span className="menu-icon" aria-hidden="true" />
          <span className="visually-hidden">{open ? 'Close menu' : 'Open menu'}</span>
        </button>
        <span className="brand brand-topbar">
          <span className="brand-mark" aria-hidden="true" />
          Gridshare
        </span>
      </header>
      <div id="sidebar" className="sidebar-wrap">
        <GridSidebar onNavigate={() => setOpen(false)} />
      </div>
      {open && <div className="scrim" aria-hidden="true" onClick={() => setOpen(false)} />}
      <main id="main" className="main" tabIndex={-1} inert={open}>
        {children}
      </main>
    </div>
  );
}
