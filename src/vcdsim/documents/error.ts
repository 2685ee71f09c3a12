/** The `Error` document (XSD common.xsd ErrorType) and the Error element inside failed tasks. */
import { type TaskError } from '../model';
import { x, type XmlNodeOut } from '../xml-writer';
import { VCLOUD_ROOT } from './common';

/** An Error element; `root` adds the namespace declarations for a standalone document. */
export function errorElement(error: TaskError, root = false): XmlNodeOut {
  return x('Error', {
    ...(root ? VCLOUD_ROOT : {}),
    majorErrorCode: error.majorErrorCode,
    minorErrorCode: error.minorErrorCode,
    message: error.message,
  });
}

/** A standalone Error document whose message starts with `[ <request id> ]`, as real VCD writes it. */
export function errorDocument(
  status: number,
  minorErrorCode: string,
  message: string,
  requestId: string,
): XmlNodeOut {
  return errorElement(
    { majorErrorCode: status, minorErrorCode, message: `[ ${requestId} ] ${message}` },
    true,
  );
}
