import { readFileSync } from 'node:fs';

/**
 * Puts the app's stylesheets into the test document, so a test can read what
 * the cascade declares for an element (jsdom resolves rules, not layout).
 */
export function loadStyles(...names: Array<'base' | 'layout' | 'components' | 'features'>): () => void {
  const tags = names.map((name) => {
    const style = document.createElement('style');
    style.textContent = readFileSync(new URL(`../styles/${name}.css`, import.meta.url), 'utf8');
    document.head.appendChild(style);
    return style;
  });
  return () => tags.forEach((t) => t.remove());
}
