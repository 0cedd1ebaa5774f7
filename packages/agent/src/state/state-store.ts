import { LocalProcess } from '@gridshare/protocol';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from './atomic-file.js';

export const StateFile = Type.Object(
  { version: Type.Literal(1), processes: Type.Array(LocalProcess) },
  { additionalProperties: false },
);
export type StateFile = Static<typeof StateFile>;

export class StateFileError extends Error {
  override name = 'StateFileError';
}

/**
 * The agent's state file. Writes are atomic and serialized (the newest
 * snapshot wins), so a crash at any moment loses nothing that was written.
 */
export class StateStore {
  private writing: Promise<void> = Promise.resolve();
  constructor(readonly path: string) {}

  async load(): Promise<StateFile> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, processes: [] };
      throw err;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new StateFileError(`${this.path} is not valid JSON; move it aside to start fresh`);
    }
    if (!Value.Check(StateFile, json)) {
      const first = [...Value.Errors(StateFile, json)][0];
      throw new StateFileError(`${this.path} is not a valid state file (${first?.path || '/'}: ${first?.message}); move it aside to start fresh`);
    }
    return json;
  }

  save(state: StateFile): Promise<void> {
    const text = `${JSON.stringify(state, null, 2)}\n`;
    this.writing = this.writing.catch(() => {}).then(() => writeFileAtomic(this.path, text));
    return this.writing;
  }
}
