-- A bounded history of each process's state changes (registered, online, offline, stopped).
CREATE TABLE process_events (
  id         bigserial PRIMARY KEY,
  process_id uuid NOT NULL REFERENCES grid_processes(id) ON DELETE CASCADE,
  at         timestamptz NOT NULL DEFAULT now(),
  from_state text NOT NULL,
  to_state   text NOT NULL,
  reason     text,
  exit_code  integer
);
CREATE INDEX process_events_process ON process_events(process_id, id DESC);
