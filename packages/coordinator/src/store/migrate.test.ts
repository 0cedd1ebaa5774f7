import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestDatabase, createTestPostgres, describeEachEngine } from '../testing/engines.js';
import { loadMigrations, migrate } from './migrate.js';
import { openPostgres } from './postgres.database.js';

describeEachEngine('migrations', (engine) => {
  test('applied once, in order, recorded in schema_migrations; running again applies nothing', async () => {
    const tdb = await createTestDatabase(engine);
    const db = await tdb.open(); // open() migrates
    try {
      const files = await loadMigrations();
      const rows = await db.query<{ version: number; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version');
      assert.deepEqual(rows.map((r) => r.name), files.map((f) => f.name));
      assert.deepEqual(await migrate(db), []);
      const tables = await db.query<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1");
      for (const t of ['users', 'devices', 'tokens', 'grids', 'grid_members', 'grid_invites', 'grid_processes']) {
        assert.ok(tables.some((r) => r.tablename === t), t);
      }
      const cols = await db.query<{ column_name: string }>("SELECT column_name FROM information_schema.columns WHERE table_name = 'grids'");
      assert.ok(!cols.some((c) => /host|session_state|status/.test(c.column_name)), 'no grid carries a hosting status');
    } finally {
      if (engine === 'postgres') await db.close();
      await tdb.destroy();
    }
  });

  test('two coordinators migrating one database at once take turns (advisory lock)', { skip: engine === 'pglite' ? 'one embedded database has one connection' : false }, async () => {
    const fresh = await createTestPostgres();
    const a = openPostgres(fresh.url);
    const b = openPostgres(fresh.url);
    try {
      const [ra, rb] = await Promise.all([migrate(a), migrate(b)]);
      const total = (await loadMigrations()).length;
      assert.equal(ra.length + rb.length, total, 'each migration applied exactly once');
      const [{ n }] = (await a.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations')) as [{ n: number }];
      assert.equal(n, total);
    } finally {
      await a.close();
      await b.close();
      await fresh.drop();
    }
  });
});
