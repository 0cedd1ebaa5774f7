/**
 * A browser-like global scope for component tests under node:test: jsdom's
 * window, document, navigator and DOM classes on globalThis. Import it first,
 * before React or Testing Library load.
 */
import { JSDOM } from 'jsdom';

const dom = new JSDOM('<!doctype html><html><head><title></title></head><body></body></html>', {
  url: 'http://localhost/',
  pretendToBeVisual: true,
});
const w = dom.window as unknown as Record<string, unknown>;
const g = globalThis as unknown as Record<string, unknown>;

for (const key of Object.getOwnPropertyNames(w)) {
  if (key in g || key.startsWith('_')) continue;
  Object.defineProperty(g, key, { configurable: true, writable: true, value: w[key] });
}
for (const key of ['window', 'document', 'navigator', 'location', 'history', 'localStorage', 'getComputedStyle']) {
  Object.defineProperty(g, key, { configurable: true, get: () => w[key] });
}
// Node's own Event classes would not dispatch on jsdom nodes.
for (const key of ['Event', 'EventTarget', 'CustomEvent', 'MessageEvent']) {
  Object.defineProperty(g, key, { configurable: true, writable: true, value: w[key] });
}
g.IS_REACT_ACT_ENVIRONMENT = true;

// Testing Library's waits (findBy…, waitFor) give up after 1 s by default: too little on a loaded CI machine. Loaded here,
// after the globals above (it reads `document` as it loads), so every test file that imports this module first gets it.
const { configure } = await import('@testing-library/react');
configure({ asyncUtilTimeout: 10_000 });

export const jsdom = dom;
