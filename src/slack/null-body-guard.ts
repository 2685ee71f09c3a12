/**
 * A guard in front of Bolt's HTTPReceiver for one of its bugs (found by test/fuzz; @slack/bolt 5.1.0): after the
 * signature check it reads `body.ssl_check` without checking that the parsed body is an object, inside an async
 * function nobody awaits. A signed request whose body is JSON `null` (or `payload=null` in a form) therefore throws
 * an unhandled rejection, fatal under Node's default `--unhandled-rejections=throw`, and is never answered. Slack
 * never sends such a body, but anything holding the signing secret can, and "no crash on bad input" must not
 * depend on that.
 *
 * The guard buffers the events endpoint's request body itself (within Bolt's 4 MB limit, answering 413 beyond it
 * as Bolt does), answers 400 when the body parses to null the way Bolt parses it, and hands every other request on
 * with the body attached as `rawBody`, which Bolt reuses instead of reading the stream again.
 */
import { type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';

/** Bolt's default body limit (HTTPModuleFunctions.defaultBodyLimit). */
export const BOLT_BODY_LIMIT = 4 * 1024 * 1024;

/**
 * True when Bolt's parseHTTPRequestBody would return null for this body: a form whose `payload` field is the JSON
 * `null`, or any other content type whose body is. Never throws.
 */
export function parsesToNull(body: string, contentType: string | undefined): boolean {
  let json: string | undefined = body;
  if (contentType === 'application/x-www-form-urlencoded') {
    // Bolt uses node:querystring, whose only difference that matters here is a repeated `payload` (then an array,
    // never parsed); URLSearchParams.getAll sees the same.
    const payloads = new URLSearchParams(body).getAll('payload');
    json = payloads.length === 1 ? payloads[0] : undefined;
  }
  if (json === undefined) {
    return false;
  }
  try {
    return JSON.parse(json) === null;
  } catch {
    return false;
  }
}

function answer(response: ServerResponse, status: number): void {
  if (!response.headersSent) {
    response.writeHead(status);
  }
  response.end();
}

/**
 * Wraps the receiver's request listener: POSTs to `endpoint` are buffered and checked first, everything else goes
 * straight through. Never throws.
 */
export function guardNullBodies(
  listener: RequestListener,
  endpoint: string,
  bodyLimit = BOLT_BODY_LIMIT,
): RequestListener<typeof IncomingMessage, typeof ServerResponse> {
  return (request, response) => {
    let path: string | undefined;
    try {
      path = new URL(request.url ?? '/', 'http://localhost').pathname;
    } catch {
      path = undefined;
    }
    if (request.method?.toUpperCase() !== 'POST' || path !== endpoint) {
      listener(request, response);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    request.on('data', (chunk: Buffer) => {
      if (refused) {
        return;
      }
      size += chunk.length;
      if (size > bodyLimit) {
        refused = true;
        answer(response, 413);
        return;
      }
      chunks.push(chunk);
    });
    request.on('error', () => {
      refused = true;
      answer(response, 400);
    });
    request.on('end', () => {
      if (refused) {
        return;
      }
      const rawBody = Buffer.concat(chunks);
      if (parsesToNull(rawBody.toString('utf8'), request.headers['content-type'])) {
        answer(response, 400);
        return;
      }
      try {
        listener(Object.assign(request, { rawBody }), response);
      } catch {
        // Bolt's server would hand a synchronous throw to its dispatch error handler, which answers 500.
        answer(response, 500);
      }
    });
  };
}
