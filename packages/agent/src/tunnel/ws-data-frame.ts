import { HEADER_BYTES } from '@gridshare/protocol';
import { writeDataHeader } from '@gridshare/protocol/tunnel-codec';

/**
 * The head of a client WebSocket frame carrying one DATA frame (RFC 6455
 * §5.2): FIN + binary, the length, the mask bit with an all-zero key (see
 * the link's generateMask: XOR with zeros leaves the payload as it is), then the
 * tunnel's 5-byte DATA header. The payload follows in its own buffer.
 */
export function dataFrameHead(stream: number, payloadBytes: number): Buffer {
  const len = HEADER_BYTES + payloadBytes;
  const lenBytes = len < 126 ? 0 : len < 65536 ? 2 : 8;
  const head = Buffer.allocUnsafe(2 + lenBytes + 4 + HEADER_BYTES);
  head[0] = 0x82;
  if (lenBytes === 0) head[1] = 0x80 | len;
  else if (lenBytes === 2) {
    head[1] = 0x80 | 126;
    head.writeUInt16BE(len, 2);
  } else {
    head[1] = 0x80 | 127;
    head.writeUInt32BE(0, 2);
    head.writeUInt32BE(len, 6);
  }
  head.writeUInt32BE(0, 2 + lenBytes); // the masking key
  writeDataHeader(head, 2 + lenBytes + 4, stream, payloadBytes);
  return head;
}
