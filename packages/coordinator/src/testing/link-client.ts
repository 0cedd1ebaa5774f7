import { type Frame, GridClient, type LinkWelcome, PROTOCOL_VERSION } from '@gridshare/protocol';
import { decodeFrame, encodeFrame } from '@gridshare/protocol/tunnel-codec';
import WebSocket from 'ws';

/**
 * A bare agent link for tests: the hello, then frames in and out by hand, so
 * tests can do what a well-behaved agent never would (name any port, ignore
 * credit, open odd streams twice).
 */
export interface TestLink {
  ws: WebSocket;
  welcome: LinkWelcome;
  /** Every frame received, in order. */
  frames: Frame[];
  send(f: Frame): void;
  /** Resolves with the first frame (received or to come) after index `from` that matches. */
  next(match: (f: Frame) => boolean, timeoutMs?: number, from?: number): Promise<Frame>;
  /** Sends OPEN on a fresh odd stream id and resolves with open_ok or open_fail. */
  open(processId: string, port?: number): Promise<{ stream: number; reply: Frame }>;
  closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

export async function openLink(baseUrl: string, token: string | undefined, hello: unknown = { type: 'hello', protocol: PROTOCOL_VERSION, agentVersion: 'test' }): Promise<TestLink> {
  const ws = new WebSocket(new GridClient({ baseUrl }).linkUrl(), { headers: token ? { authorization: `Bearer ${token}` } : {}, perMessageDeflate: false });
  const frames: Frame[] = [];
  const waiters = new Set<() => void>();
  let welcome: ((w: LinkWelcome) => void) | undefined;
  let nextStream = 1;
  ws.on('message', (data: Buffer, isBinary) => {
    if (!isBinary) return welcome?.(JSON.parse(data.toString()) as LinkWelcome);
    frames.push(decodeFrame(Buffer.from(data)));
    for (const w of [...waiters]) w();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
    ws.once('error', reject);
  });
  ws.send(JSON.stringify(hello));
  const w = await Promise.race([
    new Promise<LinkWelcome>((resolve) => (welcome = resolve)),
    closed.then((c) => Promise.reject(Object.assign(new Error(`closed ${c.code} ${c.reason}`), c))),
  ]);
  const link: TestLink = {
    ws,
    welcome: w,
    frames,
    closed,
    close: () => ws.close(),
    send: (f) => ws.send(encodeFrame(f)),
    next(match, timeoutMs = 10_000, from = 0) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = frames.slice(from).find(match);
          if (!found) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching frame within ${timeoutMs} ms; got ${frames.map((f) => f.type).join(',')}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async open(processId, port = 0) {
      const stream = nextStream;
      nextStream += 2;
      const from = frames.length;
      link.send({ type: 'open', stream, processId, port, connectionId: null });
      const reply = await link.next((f) => f.stream === stream && (f.type === 'open_ok' || f.type === 'open_fail'), 10_000, from);
      return { stream, reply };
    },
  };
  return link;
}

/** A stream the guest opened and the host accepted: both ends' ids, the OPEN the host got, the connection id. */
export interface AcceptedStream {
  g: number;
  h: number;
  open: Extract<Frame, { type: 'open' }>;
  connectionId: string;
}

/** Opens a stream from `guest` and accepts it at `host`, as a host agent would; fails if either side refuses. */
export async function openAccepted(guest: TestLink, host: TestLink, processId: string, port = 0): Promise<AcceptedStream> {
  const from = host.frames.length;
  const opening = guest.open(processId, port);
  // A refusal reaches the guest without the host hearing anything: fail with it at once.
  const refused = opening.then(({ reply }) => (reply.type === 'open_fail' ? Promise.reject(new Error(`the guest got ${JSON.stringify(reply)}`)) : new Promise<never>(() => {})));
  const open = await Promise.race([host.next((f) => f.type === 'open', 10_000, from), refused]);
  if (open.type !== 'open') throw new Error(`the host got ${open.type}, not open`);
  host.send({ type: 'open_ok', stream: open.stream, connectionId: null });
  const { stream, reply } = await opening;
  if (reply.type !== 'open_ok') throw new Error(`the guest got ${JSON.stringify(reply)}`);
  return { g: stream, h: open.stream, open, connectionId: reply.connectionId! };
}
