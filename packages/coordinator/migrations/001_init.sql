-- Accounts: a user has devices (one logged-in install each); tokens belong to one device.
CREATE TABLE users (
  id            uuid PRIMARY KEY,
  username      text NOT NULL,
  username_key  text NOT NULL UNIQUE, -- lower(username): names are unique regardless of case
  password_hash text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE devices (
  id           uuid PRIMARY KEY,
  user_id      uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name         text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX devices_user ON devices(user_id);

-- Only the SHA-256 of a token is stored.
CREATE TABLE tokens (
  hash       text PRIMARY KEY,
  device_id  uuid NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);
CREATE INDEX tokens_device ON tokens(device_id);

CREATE TABLE grids (
  id         uuid PRIMARY KEY,
  name       text NOT NULL,
  created_by uuid NOT NULL REFERENCES users(id),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE grid_members (
  grid_id   uuid NOT NULL REFERENCES grids(id) ON DELETE CASCADE,
  user_id   uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  role      text NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
  joined_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (grid_id, user_id)
);
CREATE INDEX grid_members_user ON grid_members(user_id);

CREATE TABLE grid_invites (
  code       text PRIMARY KEY,
  grid_id    uuid NOT NULL REFERENCES grids(id) ON DELETE CASCADE,
  created_by uuid NOT NULL REFERENCES users(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz,
  max_uses   integer,
  uses       integer NOT NULL DEFAULT 0,
  revoked_at timestamptz
);
CREATE INDEX grid_invites_grid ON grid_invites(grid_id);

-- Hosting is per process: each row has its own heartbeat. No grid carries a hosting status.
CREATE TABLE grid_processes (
  id                uuid PRIMARY KEY,
  grid_id           uuid NOT NULL REFERENCES grids(id) ON DELETE CASCADE,
  host_device_id    uuid NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
  host_user_id      uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name              text NOT NULL,
  kind              text NOT NULL DEFAULT 'generic',
  command           text,
  ports             jsonb NOT NULL DEFAULT '[]',
  metadata          jsonb NOT NULL DEFAULT '{}',
  status            text NOT NULL CHECK (status IN ('online', 'offline', 'stopped')),
  last_heartbeat_at timestamptz NOT NULL DEFAULT now(),
  registered_at     timestamptz NOT NULL DEFAULT now(),
  stopped_at        timestamptz,
  stop_reason       text,
  exit_code         integer,
  health            jsonb
);
CREATE INDEX grid_processes_grid ON grid_processes(grid_id, status);
-- The sweeper's question: which online processes have passed their deadline?
CREATE INDEX grid_processes_deadline ON grid_processes(last_heartbeat_at) WHERE status = 'online';
