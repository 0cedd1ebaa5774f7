import type { GridEvent } from '@gridshare/protocol';
import { act } from '@testing-library/react';

/** Stands in for the browser's WebSocket: tests open, feed and drop it by hand. */
export class FakeWebSocket {
  static instances: FakeWebSocket[] = [];
  static latest(): FakeWebSocket {
    const s = FakeWebSocket.instances.at(-1);
    if (!s) throw new Error('no WebSocket was opened');
    return s;
  }
  static install(): () => void {
    const g = globalThis as { WebSocket?: unknown };
    const before = g.WebSocket;
    FakeWebSocket.instances = [];
    g.WebSocket = FakeWebSocket;
    return () => {
      g.WebSocket = before;
    };
  }

  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  closed = false;

  constructor(
    readonly url: string,
    readonly protocols: string | string[] = [],
  ) {
    FakeWebSocket.instances.push(this);
  }

  close(): void {
    this.closed = true;
  }

  /** Opens and sends events, inside act() so React has rendered when it returns. */
  async deliver(...events: GridEvent[]): Promise<void> {
    await act(async () => {
      this.onopen?.({});
      for (const e of events) this.onmessage?.({ data: JSON.stringify(e) });
    });
  }

  async drop(code = 1006): Promise<void> {
    await act(async () => {
      this.onclose?.({ code });
    });
  }
}
