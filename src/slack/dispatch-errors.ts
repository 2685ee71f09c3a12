import { type IncomingMessage, type ServerResponse } from 'node:http';
import { type Logger } from '../labs/ports';

/** Bolt's error code for a request no route took (HTTPReceiverDeferredRequestError). */
const DEFERRED = 'slack_bolt_http_receiver_deferred_request_error';

/**
 * The request's path for a log line: never its query string, which may hold a secret (the keep-alive token), and
 * cut short so that a megabyte of path is not a megabyte of log. Never throws.
 */
export function loggablePath(url: string | undefined): string {
  const path = (url ?? '/').split('?')[0] ?? '/';
  return path.length > 200 ? `${path.slice(0, 200)}…` : path;
}

/**
 * HTTPReceiver's dispatchErrorHandler: 404 for a path nothing serves, 400 for a path whose percent-encoding does
 * not decode (Bolt's route matcher throws URIError on `%E0%A4%A`), 500 for anything else; each logged with the
 * method and path only. Never throws.
 */
export function httpDispatchErrorHandler(
  logger: Logger,
): (args: { error: unknown; request: IncomingMessage; response: ServerResponse }) => void {
  return ({ error, request, response }) => {
    const fields = { method: request.method, path: loggablePath(request.url) };
    let status = 500;
    if (typeof error === 'object' && error !== null && 'code' in error && error.code === DEFERRED) {
      status = 404;
      logger.info(fields, 'Unhandled HTTP request');
    } else if (error instanceof URIError) {
      status = 400;
      logger.info(fields, 'HTTP request with a malformed percent-encoding refused');
    } else {
      // The error's own message may quote the URL; its name and stack are enough to find the fault.
      logger.error(
        { ...fields, errorName: error instanceof Error ? error.name : typeof error },
        'HTTP request failed',
      );
    }
    if (!response.headersSent) {
      response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
    }
    response.end(status === 400 ? 'malformed request\n' : status === 404 ? 'not found\n' : '');
  };
}
