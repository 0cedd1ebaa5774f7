-- A private process refuses connections through the relay.
ALTER TABLE grid_processes ADD COLUMN private boolean NOT NULL DEFAULT false;

-- Every stream through the relay: who reached which process, when, and the bytes each way.
-- Open streams are rewritten every few seconds by the coordinator that relays them
-- (updated_at, bytes); one whose coordinator stopped doing so is closed by any other.
CREATE TABLE process_connections (
  id           uuid PRIMARY KEY,
  process_id   uuid NOT NULL REFERENCES grid_processes(id) ON DELETE CASCADE,
  grid_id      uuid NOT NULL REFERENCES grids(id) ON DELETE CASCADE,
  user_id      uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  device_id    uuid NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
  port         integer NOT NULL,
  opened_at    timestamptz NOT NULL DEFAULT now(),
  closed_at    timestamptz,
  close_reason text,
  bytes_in     bigint NOT NULL DEFAULT 0, -- guest → process
  bytes_out    bigint NOT NULL DEFAULT 0, -- process → guest
  updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX process_connections_process ON process_connections(process_id, opened_at DESC);
CREATE INDEX process_connections_open ON process_connections(updated_at) WHERE closed_at IS NULL;
