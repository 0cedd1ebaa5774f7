import { Type, type Static } from '@sinclair/typebox';

/** A UUID in its canonical text form (the uuid format alone also admits `urn:uuid:` prefixes). Any case; the coordinator lower-cases it. */
export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
export const Uuid = Type.String({ format: 'uuid', pattern: UUID_PATTERN, description: 'A UUID.' });
export const Timestamp = Type.String({ format: 'date-time', description: 'RFC 3339 time from the coordinator clock.' });
export const Role = Type.Union([Type.Literal('owner'), Type.Literal('admin'), Type.Literal('member')]);
export type Role = Static<typeof Role>;

export const Empty = Type.Object({}, { additionalProperties: false });

export const GridIdParams = Type.Object({ gridId: Uuid }, { additionalProperties: false });
export type GridIdParams = Static<typeof GridIdParams>;

/** 204 answers carry no body. */
export const NoContent = Type.Null({ description: 'No content' });
