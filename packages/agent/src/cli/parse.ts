import { InvalidArgumentError } from 'commander';

/** Argument parsers: a bad value is one clear line from commander and a non-zero exit. */
export function port(value: string, previous: number[] = []): number[] {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 65535) throw new InvalidArgumentError(`'${value}' is not a port (1–65535)`);
  return [...previous, n];
}

export function singlePort(value: string): number {
  return port(value)[0]!;
}

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) throw new InvalidArgumentError(`'${value}' is not a positive whole number`);
  return n;
}

export function envPair(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const i = value.indexOf('=');
  if (i <= 0) throw new InvalidArgumentError(`'${value}' is not KEY=VALUE`);
  return { ...previous, [value.slice(0, i)]: value.slice(i + 1) };
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };
/** 90s, 30m, 1h, 7d → seconds. */
export function durationSeconds(value: string): number {
  const m = /^(\d+)([smhd])$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError(`'${value}' is not a duration like 30m, 1h or 7d`);
  return Number(m[1]) * UNITS[m[2]!]!;
}

export function oneOf<T extends string>(values: readonly T[]) {
  return (value: string): T => {
    if (!values.includes(value as T)) throw new InvalidArgumentError(`'${value}' is not one of ${values.join(', ')}`);
    return value as T;
  };
}
