/**
 * A fake of Slack's Socket Mode WebSocket endpoint on 127.0.0.1: just enough of RFC 6455 (handshake; text, ping,
 * pong and close frames; no extensions, no fragmentation) for @slack/socket-mode's undici WebSocket client.
 * No `ws` package is installed (socket-mode 3 uses undici's client), so the server side is written out here.
 *
 * Slack's side of the protocol: on connect it sends `hello`; it sends envelopes (`slash_commands`, `interactive`,
 * `events_api`) and the app acks each by sending `{ envelope_id, payload }` back. Tests `send()` an envelope and
 * `ackOf()` it, both event driven.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, type Socket } from 'node:net';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

const OP_TEXT = 0x1;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;

function frame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length;
  const header =
    length < 126
      ? Buffer.from([0x80 | opcode, length])
      : length < 65536
        ? Buffer.from([0x80 | opcode, 126, length >> 8, length & 0xff])
        : Buffer.concat([Buffer.from([0x80 | opcode, 127]), bigLength(length)]);
  return Buffer.concat([header, payload]);
}

function bigLength(length: number): Buffer {
  const buffer = Buffer.alloc(8);
  buffer.writeBigUInt64BE(BigInt(length));
  return buffer;
}

/** Splits complete client frames (always masked) off the front of `buffer`. */
function readFrames(buffer: Buffer): { frames: { opcode: number; payload: Buffer }[]; rest: Buffer } {
  const frames: { opcode: number; payload: Buffer }[] = [];
  let offset = 0;
  for (;;) {
    if (buffer.length - offset < 2) {
      break;
    }
    const opcode = (buffer[offset] ?? 0) & 0x0f;
    const second = buffer[offset + 1] ?? 0;
    const masked = (second & 0x80) !== 0;
    let length = second & 0x7f;
    let cursor = offset + 2;
    if (length === 126) {
      if (buffer.length < cursor + 2) {
        break;
      }
      length = buffer.readUInt16BE(cursor);
      cursor += 2;
    } else if (length === 127) {
      if (buffer.length < cursor + 8) {
        break;
      }
      length = Number(buffer.readBigUInt64BE(cursor));
      cursor += 8;
    }
    const maskLength = masked ? 4 : 0;
    if (buffer.length < cursor + maskLength + length) {
      break;
    }
    const mask = buffer.subarray(cursor, cursor + maskLength);
    cursor += maskLength;
    const payload = Buffer.from(buffer.subarray(cursor, cursor + length));
    if (masked) {
      for (let i = 0; i < payload.length; i++) {
        payload[i] = (payload[i] ?? 0) ^ (mask[i % 4] ?? 0);
      }
    }
    frames.push({ opcode, payload });
    offset = cursor + length;
  }
  return { frames, rest: buffer.subarray(offset) };
}

export interface Envelope {
  type: 'slash_commands' | 'interactive' | 'events_api';
  payload: Record<string, unknown>;
}

export class FakeSocketModeServer {
  /** Messages the app sent (acks), parsed. */
  readonly received: Record<string, unknown>[] = [];
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly ackWaiters = new Map<string, (payload: Record<string, unknown>) => void>();
  private connectionWaiters: (() => void)[] = [];
  private listeningPort = 0;
  connections = 0;

  private constructor() {
    this.server = createServer((_request, response) => {
      response.writeHead(426);
      response.end();
    });
    this.server.on('upgrade', (request, socket: Socket) => {
      const key = request.headers['sec-websocket-key'];
      if (typeof key !== 'string') {
        socket.destroy();
        return;
      }
      const accept = createHash('sha1')
        .update(key + GUID)
        .digest('base64');
      socket.write(
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          `Sec-WebSocket-Accept: ${accept}\r\n\r\n`,
      );
      this.sockets.add(socket);
      this.connections += 1;
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => this.sockets.delete(socket));
      let pending: Buffer = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        const { frames, rest } = readFrames(Buffer.concat([pending, chunk]));
        pending = rest;
        for (const { opcode, payload } of frames) {
          this.onFrame(socket, opcode, payload);
        }
      });
      this.write(socket, OP_TEXT, {
        type: 'hello',
        num_connections: 1,
        connection_info: { app_id: 'A0LABBOT' },
        debug_info: { host: 'fake', approximate_connection_time: 3600 },
      });
      const waiters = this.connectionWaiters;
      this.connectionWaiters = [];
      waiters.forEach((resolve) => resolve());
    });
  }

  static async start(): Promise<FakeSocketModeServer> {
    const fake = new FakeSocketModeServer();
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    fake.listeningPort = (fake.server.address() as AddressInfo).port;
    return fake;
  }

  /** What `apps.connections.open` should answer. */
  get url(): string {
    return `ws://127.0.0.1:${this.listeningPort}/link/?ticket=fake`;
  }

  /** Resolves once a client is connected (now, or when it connects). */
  connected(): Promise<void> {
    return this.sockets.size > 0
      ? Promise.resolve()
      : new Promise((resolve) => this.connectionWaiters.push(resolve));
  }

  /** Sends an envelope to every connected client; returns its envelope id. */
  send(envelope: Envelope): string {
    const envelopeId = randomUUID();
    for (const socket of this.sockets) {
      this.write(socket, OP_TEXT, {
        envelope_id: envelopeId,
        type: envelope.type,
        payload: envelope.payload,
        accepts_response_payload: envelope.type !== 'events_api',
        ...(envelope.type === 'events_api' ? { retry_attempt: 0, retry_reason: '' } : {}),
      });
    }
    return envelopeId;
  }

  /** The payload of the app's ack of an envelope, now or when it arrives. */
  ackOf(envelopeId: string): Promise<Record<string, unknown>> {
    const existing = this.received.find((m) => m.envelope_id === envelopeId);
    if (existing) {
      return Promise.resolve((existing.payload ?? {}) as Record<string, unknown>);
    }
    return new Promise((resolve) => this.ackWaiters.set(envelopeId, resolve));
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) {
      socket.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private write(socket: Socket, opcode: number, message: unknown): void {
    socket.write(frame(opcode, Buffer.from(JSON.stringify(message))));
  }

  private onFrame(socket: Socket, opcode: number, payload: Buffer): void {
    if (opcode === OP_PING) {
      socket.write(frame(OP_PONG, payload));
      return;
    }
    if (opcode === OP_CLOSE) {
      socket.end(frame(OP_CLOSE, payload.subarray(0, 2)));
      return;
    }
    if (opcode !== OP_TEXT) {
      return;
    }
    const message = JSON.parse(payload.toString('utf8')) as Record<string, unknown>;
    this.received.push(message);
    const id = typeof message.envelope_id === 'string' ? message.envelope_id : '';
    const waiter = this.ackWaiters.get(id);
    if (waiter) {
      this.ackWaiters.delete(id);
      waiter((message.payload ?? {}) as Record<string, unknown>);
    }
  }
}
