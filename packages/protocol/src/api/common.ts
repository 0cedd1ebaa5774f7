import { Type, type Static } from '@sinclair/typebox';

/** A UUID in its canonical text form (the uuid format alone also admits `urn:uuid:` prefixes). Any case; the coordinator lower-cases it. */
export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
const UUID_RE = new RegExp(UUID_PATTERN);
/** The one UUID check (schemas use UUID_PATTERN; code that checks by hand uses this). */
export const isUuid = (v: string): boolean => UUID_RE.test(v);
export const Uuid = Type.String({ format: 'uuid', pattern: UUID_PATTERN, description: 'A UUID.' });
export const Timestamp = Type.String({ format: 'date-time', description: 'RFC 3339 time from the coordinator clock.' });
export const Role = Type.Union([Type.Literal('owner'), Type.Literal('admin'), Type.Literal('member')]);
export type Role = Static<typeof Role>;

export const Empty = Type.Object({}, { additionalProperties: false });

/** Never in a name people read: controls, invisible formatting, text-direction overrides and isolates, noncharacters. */
const HIDDEN = '\\u0000-\\u001f\\u007f-\\u009f\\u200b\\u200e\\u200f\\u2028-\\u202e\\u2060-\\u2064\\u2066-\\u206f\\ufeff\\ufff9-\\ufffb\\ufffe\\uffff';
/** Allowed in a name (joiners build emoji and some scripts' letters) but not all of one. */
const BLANK = '\\s\\u034f\\u115f\\u1160\\u200c\\u200d\\u3164\\uffa0';
/** At least one visible character, and none of HIDDEN: a name that cannot look blank or pass for another. Same regex with and without the `u` flag. */
export const DISPLAY_NAME_PATTERN = `^(?=[^${HIDDEN}]*[^${HIDDEN}${BLANK}])[^${HIDDEN}]*$`;
/** HIDDEN without the line feed: what text of several lines (a server's MOTD) may not hold. */
const HIDDEN_BUT_NEWLINE = HIDDEN.replace('\\u0000-\\u001f', '\\u0000-\\u0009\\u000b-\\u001f');
/** Text a program reported (a game server's version, its players' names, an error): none of HIDDEN, so it cannot steer a terminal. */
export const TEXT_PATTERN = `^[^${HIDDEN}]*$`;
export const LINES_PATTERN = `^[^${HIDDEN_BUT_NEWLINE}]*$`;
export const Text = (maxLength: number) => Type.String({ maxLength, pattern: TEXT_PATTERN });
export const Lines = (maxLength: number) => Type.String({ maxLength, pattern: LINES_PATTERN });
const HIDDEN_RE = new RegExp(`[${HIDDEN}]`, 'g');
const HIDDEN_BUT_NEWLINE_RE = new RegExp(`[${HIDDEN_BUT_NEWLINE}]`, 'g');
/** Text from elsewhere made fit for Text (or, keeping line breaks, Lines): the hidden characters removed. */
export const withoutHidden = (s: string, keepNewlines = false): string => s.replace(keepNewlines ? HIDDEN_BUT_NEWLINE_RE : HIDDEN_RE, '');

/** A name a person gave something (a grid, a device, a process). */
export const DisplayName = (maxLength: number) => Type.String({ minLength: 1, maxLength, pattern: DISPLAY_NAME_PATTERN });
/** What a refused DisplayName is told, for every pattern that has a sentence. */
export const PATTERN_HINTS: Readonly<Record<string, string>> = {
  [DISPLAY_NAME_PATTERN]: 'needs a visible character, and may not hold line breaks, control, invisible or text-direction characters',
  [TEXT_PATTERN]: 'may not hold line breaks, control, invisible or text-direction characters',
  [LINES_PATTERN]: 'may not hold control, invisible or text-direction characters',
};

export const GridIdParams = Type.Object({ gridId: Uuid }, { additionalProperties: false });
export type GridIdParams = Static<typeof GridIdParams>;

/** 204 answers carry no body. */
export const NoContent = Type.Null({ description: 'No content' });
