import type { Connection, Invite, Member, MemberDevice, Process } from '@gridshare/protocol';

export const GRID_ID = '0b6c7a2e-1f0a-4c8e-9d0e-2a1b3c4d5e6f';
export const ALICE = '11111111-1111-4111-8111-111111111111';
export const BOB = '22222222-2222-4222-8222-222222222222';
let n = 0;
const uuid = () => `aaaaaaaa-0000-4000-8000-${String(++n).padStart(12, '0')}`;

export function aProcess(over: Partial<Process> = {}): Process {
  const now = new Date().toISOString();
  return {
    id: uuid(),
    gridId: GRID_ID,
    name: 'survival',
    kind: 'minecraft',
    command: null,
    ports: [{ port: 25565, protocol: 'tcp' }],
    metadata: {},
    status: 'online',
    hostUserId: ALICE,
    hostUsername: 'alice',
    hostDeviceId: uuid(),
    hostDeviceName: 'desktop',
    lastHeartbeatAt: now,
    registeredAt: now,
    stoppedAt: null,
    stopReason: null,
    exitCode: null,
    health: null,
    ...over,
    // A cast, not an annotation: fields the protocol adds later need no change here.
  } as Process;
}

export function aMember(over: Partial<Member> = {}): Member {
  return { userId: ALICE, username: 'alice', role: 'owner', joinedAt: '2026-12-01T10:00:00.000Z', ...over };
}

export function aDevice(over: Partial<MemberDevice> = {}): MemberDevice {
  return { id: uuid(), userId: ALICE, name: 'desktop', online: true, lastSeenAt: new Date().toISOString(), ...over };
}

export function anInvite(over: Partial<Invite> = {}): Invite {
  return {
    code: 'ABCDE23456',
    expiresAt: null,
    maxUses: null,
    uses: 0,
    createdAt: new Date().toISOString(),
    createdBy: ALICE,
    revoked: false,
    ...over,
  };
}

/** An open connection from bob's laptop to a process (pass processId), opened a minute ago. */
export function aConnection(over: Partial<Connection> = {}): Connection {
  return {
    id: uuid(),
    processId: uuid(),
    gridId: GRID_ID,
    userId: BOB,
    username: 'bob',
    deviceId: uuid(),
    deviceName: 'laptop',
    port: 25565,
    openedAt: new Date(Date.now() - 60_000).toISOString(),
    closedAt: null,
    closeReason: null,
    bytesIn: 0,
    bytesOut: 0,
    ...over,
  } as Connection;
}

export const secondsAgo = (s: number) => new Date(Date.now() - s * 1000).toISOString();
