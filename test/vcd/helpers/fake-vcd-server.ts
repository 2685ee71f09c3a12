import http from 'node:http';
import { type AddressInfo } from 'node:net';
import { type Clock, type Sleep } from '../../../src/labs/ports';

/** One request the fake received. */
export interface RecordedRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** What a route answers: status, headers, body; `destroy` drops the connection without an answer. */
export type FakeReply = { status: number; headers?: Record<string, string>; body?: string } | 'destroy';

export type FakeHandler = (request: RecordedRequest) => FakeReply | Promise<FakeReply>;

export interface FakeVcdServer {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** A node:http server on 127.0.0.1 that answers every request with `handler` and records them in order. */
export async function startFakeVcd(handler: FakeHandler): Promise<FakeVcdServer> {
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(recorded);
      void Promise.resolve(handler(recorded)).then((reply) => {
        if (reply === 'destroy') {
          req.socket.destroy();
          return;
        }
        res.writeHead(reply.status, reply.headers ?? {});
        res.end(reply.body ?? '');
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** SupportedVersions body listing the given versions (deprecated ones marked). */
export function versionsXml(versions: string[], deprecated: string[] = []): string {
  const infos = versions
    .map(
      (v) =>
        `<VersionInfo deprecated="${deprecated.includes(v)}"><Version>${v}</Version><LoginUrl>https://x/api/sessions</LoginUrl></VersionInfo>`,
    )
    .join('');
  return `<?xml version="1.0"?><SupportedVersions xmlns="http://www.vmware.com/vcloud/versions">${infos}</SupportedVersions>`;
}

/** A VCD Error body. */
export function errorXml(major: number, minor: string, message: string): string {
  return `<?xml version="1.0"?><Error xmlns="http://www.vmware.com/vcloud/v1.5" majorErrorCode="${major}" minorErrorCode="${minor}" message="${message}"/>`;
}

/** A Task body. */
export function taskXml(href: string, status: string, extra = ''): string {
  return `<?xml version="1.0"?><Task xmlns="http://www.vmware.com/vcloud/v1.5" href="${href}" status="${status}" operationName="vappDeploy">${extra}</Task>`;
}

export const XML = { 'Content-Type': 'application/vnd.vmware.vcloud.task+xml;version=38.0' };
export const JSON_TYPE = { 'Content-Type': 'application/json' };

/** A clock that only moves when the fake sleep is called; the sleeps are recorded. */
export function fakeTime(start = Date.UTC(2026, 0, 1)): {
  clock: Clock;
  sleep: Sleep;
  sleeps: number[];
  advance(ms: number): void;
} {
  let now = start;
  const sleeps: number[] = [];
  return {
    clock: { now: () => new Date(now) },
    sleep: (ms) => {
      sleeps.push(ms);
      now += ms;
      return Promise.resolve();
    },
    sleeps,
    advance: (ms) => {
      now += ms;
    },
  };
}
