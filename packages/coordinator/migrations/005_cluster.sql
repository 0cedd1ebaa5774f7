-- Several coordinators on one PostgreSQL: where each can be reached, and which
-- one holds each agent's link, so that a tunnel stream can cross from the
-- guest's coordinator to the host's (a peer link between the two).
CREATE TABLE coordinators (
  id         uuid PRIMARY KEY,
  url        text NOT NULL,
  -- What a peer presents to open a peer link here. Whoever reads this table
  -- can read every grid anyway: database access is the trust between coordinators.
  secret     text NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE agent_links (
  device_id      uuid PRIMARY KEY REFERENCES devices(id) ON DELETE CASCADE,
  coordinator_id uuid NOT NULL,
  connected_at   timestamptz NOT NULL DEFAULT now()
);
