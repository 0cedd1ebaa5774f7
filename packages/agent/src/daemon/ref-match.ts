/**
 * How a person names a grid or a process: its full id, its name, or the start
 * of its id (`grid ps` and `grid status` show 8 characters). A name wins over
 * an id prefix that happens to spell it.
 */
export interface Named {
  id: string;
  name: string;
}

export interface RefMatch<T> {
  by: 'id' | 'name' | 'prefix';
  items: T[];
}

/** Fewer hex digits than this are too easily a name, or the start of half of all ids. */
export const MIN_ID_PREFIX = 4;
/** How many characters of an id the CLI shows. */
export const SHORT_ID = 8;

/** 4 to 36 characters of a UUID: hex digits, and dashes where a UUID has them. */
export function isIdPrefix(ref: string): boolean {
  const r = ref.trim().toLowerCase();
  return r.length <= 36 && /^[0-9a-f-]+$/.test(r) && r.replace(/-/g, '').length >= MIN_ID_PREFIX;
}

export function matchRef<T extends Named>(items: readonly T[], ref: string): RefMatch<T> {
  const r = ref.trim().toLowerCase();
  const byId = items.filter((i) => i.id === r);
  if (byId.length > 0) return { by: 'id', items: byId };
  const byName = items.filter((i) => i.name.toLowerCase() === r);
  if (byName.length > 0 || !isIdPrefix(r)) return { by: 'name', items: byName };
  return { by: 'prefix', items: items.filter((i) => i.id.startsWith(r)) };
}

/** The ids as short as they can be while still telling them apart (at least SHORT_ID characters). */
export function shortIds(ids: readonly string[]): string[] {
  for (let len = SHORT_ID; len < 36; len++) {
    const short = ids.map((id) => id.slice(0, len));
    if (new Set(short).size === new Set(ids).size) return short;
  }
  return [...ids];
}

