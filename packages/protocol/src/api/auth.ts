import { Type, type Static } from '@sinclair/typebox';
import { DisplayName, Timestamp, Uuid } from './common.js';

export const Username = Type.String({
  minLength: 3,
  maxLength: 32,
  pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$',
  description: '3–32 letters, digits, dot, dash or underscore; starts with a letter or digit.',
});
export const Password = Type.String({ minLength: 8, maxLength: 256 });
export const DeviceName = DisplayName(64);

export const User = Type.Object(
  { id: Uuid, username: Type.String(), createdAt: Timestamp },
  { $id: 'User', additionalProperties: false },
);
export type User = Static<typeof User>;

export const Device = Type.Object(
  { id: Uuid, name: Type.String(), createdAt: Timestamp, lastSeenAt: Timestamp },
  { $id: 'Device', additionalProperties: false },
);
export type Device = Static<typeof Device>;

export const Credentials = Type.Object(
  { username: Username, password: Password, deviceName: DeviceName },
  { additionalProperties: false },
);
export type Credentials = Static<typeof Credentials>;

/** Logging in checks the pair, not the sign-up rules: a short or odd password is just a wrong one (and the rules stay unsaid). */
export const LoginCredentials = Type.Object(
  { username: Type.String({ minLength: 1, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: 256 }), deviceName: DeviceName },
  { additionalProperties: false },
);
export type LoginCredentials = Static<typeof LoginCredentials>;

export const AuthResponse = Type.Object(
  { user: User, device: Device, token: Type.String() },
  { additionalProperties: false },
);
export type AuthResponse = Static<typeof AuthResponse>;

/** One of my logged-in devices: whether it is online now (connected through an agent link or a browser, or hosting an online process), and whether it is this one. */
export const OwnDevice = Type.Object(
  { ...Device.properties, online: Type.Boolean(), current: Type.Boolean() },
  { $id: 'OwnDevice', additionalProperties: false },
);
export type OwnDevice = Static<typeof OwnDevice>;

export const DeviceListResponse = Type.Object({ devices: Type.Array(OwnDevice) }, { additionalProperties: false });
export type DeviceListResponse = Static<typeof DeviceListResponse>;

export const DeviceParams = Type.Object({ deviceId: Uuid }, { additionalProperties: false });
export type DeviceParams = Static<typeof DeviceParams>;

export const MeResponse = Type.Object({ user: User, device: Device }, { additionalProperties: false });
export type MeResponse = Static<typeof MeResponse>;
