-- Device presence: a device is online while it holds a connection to a coordinator
-- (an agent link or an events socket). The coordinator holding it renews the lease
-- every third of it; a lease that ran out (its coordinator died) is expired by any coordinator.
ALTER TABLE devices ADD COLUMN online_until timestamptz;
CREATE INDEX devices_online_until ON devices(online_until) WHERE online_until IS NOT NULL;
