import { encodeData } from '@gridshare/protocol/tunnel-codec';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ws from 'ws';
import { dataFrameHead } from './ws-data-frame.js';

/** ws's frame encoder (in the package, not in its type definitions). */
const { Sender } = ws as unknown as { Sender: { frame(data: Buffer, options: object): Buffer[] } };

/** What ws itself would put on the wire for this DATA frame, masked with the all-zero key the link uses. */
function wsFrame(stream: number, payload: Buffer): Buffer {
  const zero = (mask: Buffer) => mask.fill(0);
  return Buffer.concat(
    Sender.frame(encodeData(stream, payload), { fin: true, opcode: 2, mask: true, maskBuffer: Buffer.alloc(4), generateMask: zero, readOnly: false, rsv1: false }),
  );
}

test('the hand-built frame head plus the payload are byte for byte the frame ws would send (all three length forms: 7 bits, 16 bits, 64 bits)', () => {
  for (const size of [1, 120, 121, 126, 1000, 65530, 65531, 65536, 16 * 1024]) {
    const payload = Buffer.alloc(size, size % 251);
    const ours = Buffer.concat([dataFrameHead(7, size), payload]);
    assert.ok(ours.equals(wsFrame(7, payload)), `a ${size}-byte payload`);
  }
});
