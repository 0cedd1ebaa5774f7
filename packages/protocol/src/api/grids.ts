import { Type, type Static } from '@sinclair/typebox';
import { DisplayName, Role, Timestamp, Uuid } from './common.js';

export const GridName = DisplayName(64);

export const Grid = Type.Object(
  { id: Uuid, name: Type.String(), createdAt: Timestamp, createdBy: Uuid },
  { $id: 'Grid', additionalProperties: false },
);
export type Grid = Static<typeof Grid>;

/** A grid in my list: the grid, my role in it, and how many are in it. */
export const GridSummary = Type.Object(
  { ...Grid.properties, role: Role, memberCount: Type.Integer() },
  { $id: 'GridSummary', additionalProperties: false },
);
export type GridSummary = Static<typeof GridSummary>;

export const Member = Type.Object(
  { userId: Uuid, username: Type.String(), role: Role, joinedAt: Timestamp },
  { $id: 'Member', additionalProperties: false },
);
export type Member = Static<typeof Member>;

/**
 * A logged-in device of a member, as the grid sees it: online while it holds a
 * connection to a coordinator (an agent's link, a browser's events socket).
 */
export const MemberDevice = Type.Object(
  {
    id: Uuid,
    userId: Uuid,
    name: Type.String(),
    online: Type.Boolean(),
    /** When it last connected or disconnected (its last sign of life while offline). */
    lastSeenAt: Timestamp,
  },
  { $id: 'MemberDevice', additionalProperties: false },
);
export type MemberDevice = Static<typeof MemberDevice>;

export const CreateGridRequest = Type.Object({ name: GridName }, { additionalProperties: false });
export type CreateGridRequest = Static<typeof CreateGridRequest>;

export const GridResponse = Type.Object({ grid: Grid }, { additionalProperties: false });
export type GridResponse = Static<typeof GridResponse>;

export const GridListResponse = Type.Object({ grids: Type.Array(GridSummary) }, { additionalProperties: false });
export type GridListResponse = Static<typeof GridListResponse>;

export const GridDetailResponse = Type.Object(
  { grid: Grid, members: Type.Array(Member), devices: Type.Array(MemberDevice) },
  { additionalProperties: false },
);
export type GridDetailResponse = Static<typeof GridDetailResponse>;

export const MemberParams = Type.Object({ gridId: Uuid, userId: Uuid }, { additionalProperties: false });
export type MemberParams = Static<typeof MemberParams>;

export const UpdateMemberRequest = Type.Object({ role: Role }, { additionalProperties: false });
export type UpdateMemberRequest = Static<typeof UpdateMemberRequest>;

export const MemberResponse = Type.Object({ member: Member }, { additionalProperties: false });
export type MemberResponse = Static<typeof MemberResponse>;
