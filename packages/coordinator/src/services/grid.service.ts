import type { Grid, GridDetailResponse, GridSummary, SnapshotEvent } from '@gridshare/protocol';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Database } from '../store/database.js';
import type { DevicesRepository } from '../store/devices.repository.js';
import { GridsRepository } from '../store/grids.repository.js';
import { ProcessesRepository } from '../store/processes.repository.js';
import type { AuthContext } from './auth.service.js';
import type { GridAccess } from './grid-access.js';

export class GridService {
  private readonly grids: GridsRepository;
  private readonly processes: ProcessesRepository;
  constructor(
    private readonly db: Database,
    private readonly access: GridAccess,
    private readonly devices: DevicesRepository,
    private readonly log: Logger,
  ) {
    this.grids = new GridsRepository(db);
    this.processes = new ProcessesRepository(db);
  }

  async create(ctx: AuthContext, name: string): Promise<Grid> {
    const grid = await this.db.transaction((tx) => new GridsRepository(tx).insertGrid(randomUUID(), name.trim(), ctx.user.id));
    this.log.info({ event: 'grid.created', gridId: grid.id, userId: ctx.user.id }, 'grid created');
    return grid;
  }

  list(ctx: AuthContext): Promise<GridSummary[]> {
    return this.grids.listGridsOf(ctx.user.id);
  }

  async get(ctx: AuthContext, gridId: string): Promise<GridDetailResponse> {
    await this.access.requireMember(gridId, ctx.user.id);
    const [grid, members, devices] = await Promise.all([
      this.grids.findGrid(gridId),
      this.grids.listMembers(gridId),
      this.devices.listForGrid(gridId),
    ]);
    return { grid: grid!, members, devices };
  }

  /** What an events socket starts from, and starts over from: the grid's processes, members and devices now. */
  async snapshot(gridId: string, userId: string): Promise<SnapshotEvent> {
    await this.access.requireMember(gridId, userId);
    const [processes, members, devices] = await Promise.all([
      this.processes.list(gridId),
      this.grids.listMembers(gridId),
      this.devices.listForGrid(gridId),
    ]);
    return { type: 'snapshot', processes, members, devices };
  }
}
