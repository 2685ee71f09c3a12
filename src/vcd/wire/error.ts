import { attr, parseXml, toInt, type XmlNode } from './xml';
import { expectRoot } from './wire-format';

/**
 * A VCD `<Error>` document (XSD `vcloud/common.xsd: ErrorType`, since 0.9). Also found nested in a failed
 * Task. `message` usually starts with the request id in brackets (`[ 4ea08867-… ] The entity …`).
 */
export interface VcdErrorDocument {
  message: string;
  /** The HTTP status VCD meant (ErrorType@majorErrorCode, an int). */
  majorErrorCode?: number;
  /** Open list: BUSY_ENTITY, OPERATION_LIMITS_EXCEEDED, ACCESS_TO_RESOURCE_IS_FORBIDDEN, … */
  minorErrorCode?: string;
  vendorSpecificErrorCode?: string;
  /** The id VCD put in brackets at the start of `message`, if any. */
  requestId?: string;
}

/**
 * Parses an `<Error>` document (any namespace prefix).
 *
 * @throws XmlParseError when the text is not XML; WireFormatError when the root is not Error.
 */
export function parseVcdErrorDocument(xml: string): VcdErrorDocument {
  return readVcdError(expectRoot(parseXml(xml), 'Error'));
}

/** Reads an ErrorType element already parsed (a Task's nested Error, for example). Never throws. */
export function readVcdError(node: XmlNode): VcdErrorDocument {
  const message = attr(node, 'message') ?? '';
  const bracketed = /^\s*\[\s*([^\]\s]+)\s*\]/.exec(message);
  return {
    message,
    majorErrorCode: toInt(attr(node, 'majorErrorCode')),
    minorErrorCode: attr(node, 'minorErrorCode'),
    vendorSpecificErrorCode: attr(node, 'vendorSpecificErrorCode'),
    requestId: bracketed?.[1],
  };
}
