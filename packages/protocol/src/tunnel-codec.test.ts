import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { HEADER_BYTES, MAX_DATA_BYTES, TUNNEL_ERRORS, type Frame, type TunnelErrorCode, TunnelFrameError } from './tunnel.js';
import { decodeFrame, encodeData, encodeFrame, frameKind, frameStream, setFrameStream, writeDataHeader } from './tunnel-codec.js';

const streamId = fc.integer({ min: 1, max: 0xffff_ffff });
const uuid = fc.uuid().map((u) => u.toLowerCase());
const code = fc.constantFrom(...(Object.keys(TUNNEL_ERRORS) as TunnelErrorCode[]));
const text = fc.string({ maxLength: 80, unit: 'grapheme' });

const frame: fc.Arbitrary<Frame> = fc.oneof(
  fc.record({ type: fc.constant('open' as const), stream: streamId, processId: uuid, port: fc.integer({ min: 0, max: 65535 }), connectionId: fc.option(uuid, { nil: null }) }),
  fc.record({ type: fc.constant('open_ok' as const), stream: streamId, connectionId: fc.option(uuid, { nil: null }) }),
  fc.record({ type: fc.constant('open_fail' as const), stream: streamId, code, message: text }),
  fc.record({ type: fc.constant('data' as const), stream: streamId, data: fc.uint8Array({ minLength: 1, maxLength: 2048 }).map((a) => Buffer.from(a)) }),
  fc.record({ type: fc.constant('window' as const), stream: streamId, credit: fc.integer({ min: 1, max: 0xffff_ffff }) }),
  fc.record({ type: fc.constant('fin' as const), stream: streamId }),
  fc.record({ type: fc.constant('rst' as const), stream: streamId, code, message: text }),
);

describe('tunnel frames', () => {
  test('every frame decodes to what was encoded', () => {
    fc.assert(
      fc.property(frame, (f) => {
        const bytes = encodeFrame(f);
        assert.equal(frameKind(bytes), f.type);
        assert.equal(frameStream(bytes), f.stream);
        assert.deepEqual(decodeFrame(bytes), { ...f }); // fast-check records have no prototype
      }),
      { numRuns: 2000 },
    );
  });

  test('arbitrary bytes either decode to a frame that encodes back to the same bytes, or throw TunnelFrameError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (raw) => {
        const buf = Buffer.from(raw);
        let f: Frame;
        try {
          f = decodeFrame(buf);
        } catch (err) {
          assert.ok(err instanceof TunnelFrameError, String(err));
          return;
        }
        assert.deepEqual(encodeFrame(f), buf);
      }),
      { numRuns: 5000 },
    );
  });

  test('frames with valid headers but bad payloads are refused', () => {
    const bad = [
      Buffer.from([4, 0, 0, 0, 1]), // data without bytes
      Buffer.from([5, 0, 0, 0, 1, 0, 0, 0, 0]), // window of 0
      Buffer.from([5, 0, 0, 0, 1, 0, 0, 1]), // short window
      Buffer.from([6, 0, 0, 0, 1, 9]), // fin with payload
      Buffer.from([6, 0, 0, 0, 0]), // stream 0
      Buffer.from([7, 0, 0, 0, 1]), // rst without a code
      Buffer.from([7, 0, 0, 0, 1, 200]), // unknown code
      Buffer.from([7, 0, 0, 0, 1, 1, 0xc3]), // half a UTF-8 character
      Buffer.from([99, 0, 0, 0, 1]), // unknown type
      Buffer.concat([Buffer.from([1, 0, 0, 0, 1]), Buffer.alloc(34)]), // open naming no process
      Buffer.concat([Buffer.from([2, 0, 0, 0, 1]), Buffer.alloc(3)]), // open_ok with 3 bytes
    ];
    for (const b of bad) assert.throws(() => decodeFrame(b), TunnelFrameError, b.toString('hex'));
    const big = Buffer.alloc(HEADER_BYTES + MAX_DATA_BYTES + 1);
    big[0] = 4;
    big[4] = 1;
    assert.throws(() => decodeFrame(big), TunnelFrameError);
  });

  test('encoding refuses what the wire cannot carry', () => {
    assert.throws(() => encodeData(1, Buffer.alloc(0)), TunnelFrameError);
    assert.throws(() => encodeData(1, Buffer.alloc(MAX_DATA_BYTES + 1)), TunnelFrameError);
    assert.throws(() => encodeFrame({ type: 'fin', stream: 0 }), TunnelFrameError);
    assert.throws(() => encodeFrame({ type: 'fin', stream: 2 ** 32 }), TunnelFrameError);
    assert.throws(() => encodeFrame({ type: 'window', stream: 1, credit: 0 }), TunnelFrameError);
    assert.throws(() => encodeFrame({ type: 'open', stream: 1, processId: 'nope', port: 1, connectionId: null }), TunnelFrameError);
    assert.throws(() => encodeFrame({ type: 'open', stream: 1, processId: '00000000-0000-4000-8000-000000000001', port: 70000, connectionId: null }), TunnelFrameError);
  });

  test('a long reason is cut at a character boundary and still decodes', () => {
    const f = decodeFrame(encodeFrame({ type: 'rst', stream: 3, code: 'reset', message: 'é'.repeat(400) }));
    assert.equal(f.type, 'rst');
    if (f.type === 'rst') assert.equal(f.message, 'é'.repeat(128));
  });

  test('the relay rewrites a stream id in place; DATA payloads are views of the frame', () => {
    const buf = encodeData(7, Buffer.from('hello'));
    setFrameStream(buf, 42);
    const f = decodeFrame(buf);
    assert.equal(f.stream, 42);
    assert.equal(f.type === 'data' && f.data.toString(), 'hello');
    assert.equal(f.type === 'data' && f.data.buffer, buf.buffer);
  });

  test('writeDataHeader + payload is byte for byte encodeData (the zero-copy sender writes them apart)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 0xffff_ffff }), fc.uint8Array({ minLength: 1, maxLength: 2048 }), (stream, payload) => {
        const head = Buffer.alloc(3 + HEADER_BYTES);
        writeDataHeader(head, 3, stream, payload.length);
        assert.deepEqual(Buffer.concat([head.subarray(3), payload]), encodeData(stream, payload));
      }),
    );
    assert.throws(() => writeDataHeader(Buffer.alloc(HEADER_BYTES), 0, 1, 0), TunnelFrameError);
    assert.throws(() => writeDataHeader(Buffer.alloc(HEADER_BYTES), 0, 1, MAX_DATA_BYTES + 1), TunnelFrameError);
    assert.throws(() => writeDataHeader(Buffer.alloc(HEADER_BYTES), 0, 0, 1), TunnelFrameError);
  });
});
