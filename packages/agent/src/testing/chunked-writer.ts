import type { Socket } from 'node:net';

/**
 * Writes `data` to a socket as a server does — 64 KiB at a time, waiting for
 * 'drain' — then ends it. `handedOff` is how much has left the writer (taken
 * by the kernel or by Node's small buffer in front of it): with flow control
 * working, a slow reader keeps most of `data` here. (The length of one big
 * write would stay whole until its last byte went, so it shows nothing.)
 */
export function writeInChunks(s: Socket, data: Buffer): { readonly handedOff: number } {
  const state = { handedOff: 0 };
  const pump = () => {
    while (state.handedOff < data.length) {
      const chunk = data.subarray(state.handedOff, state.handedOff + 64 * 1024);
      state.handedOff += chunk.length;
      if (!s.write(chunk)) return;
    }
    s.end();
  };
  s.on('drain', pump);
  pump();
  return state;
}
