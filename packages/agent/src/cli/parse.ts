import { INVITE_LIMITS, InviteCode, Uuid } from '@gridshare/protocol';
import { Value } from '@sinclair/typebox/value';
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

/** `grid connect --local-port`: a port, or 0 for any free one (as with listen(0)). */
export function localPort(value: string): number {
  return value === '0' ? 0 : singlePort(value);
}

export function envPair(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const i = value.indexOf('=');
  if (i <= 0) throw new InvalidArgumentError(`'${value}' is not KEY=VALUE`);
  return { ...previous, [value.slice(0, i)]: value.slice(i + 1) };
}

/** `grid logs -n`: like tail, 0 prints nothing; the agent serves at most 999999. */
export function lineCount(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`'${value}' is not a number of lines (a whole number, 0 or more)`);
  const n = Number(value);
  if (n > 999_999) throw new InvalidArgumentError('-n must be at most 999999');
  return n;
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };
/** 90s, 30m, 1h, 7d → seconds (never 0: "expires in 0s" is no duration). */
export function durationSeconds(value: string): number {
  const m = /^(\d+)([smhd])$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError(`'${value}' is not a duration like 30m, 1h or 7d`);
  const seconds = Number(m[1]) * UNITS[m[2]!]!;
  if (seconds === 0) throw new InvalidArgumentError(`'${value}' is no time at all; give a duration like 30m, 1h or 7d`);
  return seconds;
}

/** 60 → 1m, 2592000 → 30d: the largest unit that says it exactly. */
export function shortDuration(seconds: number): string {
  for (const [unit, size] of Object.entries(UNITS).reverse()) if (seconds % size === 0) return `${seconds / size}${unit}`;
  return `${seconds}s`;
}

/** `grid invite --expires`, within what the coordinator accepts. */
export function inviteExpiry(value: string): number {
  const seconds = durationSeconds(value);
  const { minExpiresInSeconds: min, maxExpiresInSeconds: max } = INVITE_LIMITS;
  if (seconds < min) throw new InvalidArgumentError(`--expires must be at least ${shortDuration(min)}`);
  if (seconds > max) throw new InvalidArgumentError(`--expires must be at most ${shortDuration(max)}`);
  return seconds;
}

/** `grid invite --uses`, within what the coordinator accepts. */
export function inviteUses(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`'${value}' is not a whole number`);
  const n = Number(value);
  if (n < 1) throw new InvalidArgumentError('--uses must be at least 1');
  if (n > INVITE_LIMITS.maxUses) throw new InvalidArgumentError(`--uses must be at most ${INVITE_LIMITS.maxUses}`);
  return n;
}

/** `grid join CODE`: the code's shape, checked here so a typo reads as one. */
export function inviteCode(value: string): string {
  const code = value.trim();
  if (!Value.Check(InviteCode, code)) throw new InvalidArgumentError(`'${value}' is not an invite code: they look like 7KQ3M-XW9PD`);
  return code;
}

/** A connection id as `grid connections` shows it. */
export function connectionId(value: string): string {
  const id = value.trim().toLowerCase();
  if (!Value.Check(Uuid, id)) throw new InvalidArgumentError(`'${value}' is not a connection id (the ID column of \`grid connections\`)`);
  return id;
}

export function oneOf<T extends string>(values: readonly T[]) {
  return (value: string): T => {
    if (!values.includes(value as T)) throw new InvalidArgumentError(`'${value}' is not one of ${values.join(', ')}`);
    return value as T;
  };
}
