import { readVcdError, type VcdErrorDocument } from './error';
import { readReference, type VcdReference } from './link';
import { expectRoot, requireAttr } from './wire-format';
import { attr, child, children, parseXml, textOf, toInt, type XmlNode } from './xml';

/** Task statuses (XSD `vcloud/task.xsd: TaskType@status`); the XSD types it as a plain string, so it is open. */
export type VcdTaskStatus =
  | 'queued'
  | 'preRunning'
  | 'running'
  | 'postRunning'
  | 'success'
  | 'error'
  | 'canceled'
  | 'aborted'
  | (string & {});

/** A VCD Task (XSD `vcloud/task.xsd: TaskType`, since 0.9). */
export interface VcdTask {
  href: string;
  /** `urn:vcloud:task:<uuid>`. */
  id?: string;
  status: VcdTaskStatus;
  /** Machine name of the operation, e.g. `vdcInstantiateVapp`, `vappUndeployPowerOff`. */
  operationName?: string;
  /** Human text of the operation. */
  operation?: string;
  /** 0..100; "not available for all tasks" (XSD). */
  progress?: number;
  /** The entity the task works on (the new vApp, the captured template…). */
  owner?: VcdReference;
  /** Present when the task failed. */
  error?: VcdErrorDocument;
  startTime?: string;
  endTime?: string;
}

/** Statuses after which a task will not change any more. */
export const FINAL_TASK_STATUSES: readonly string[] = ['success', 'error', 'canceled', 'aborted'];

/**
 * Parses a `<Task>` document.
 *
 * @throws XmlParseError when the text is not XML; WireFormatError when the root is not Task or it has no
 *   href or status.
 */
export function parseTask(xml: string): VcdTask {
  return readTask(expectRoot(parseXml(xml), 'Task'));
}

/**
 * Reads a parsed Task element (also used for the Tasks embedded in a VApp).
 *
 * @throws WireFormatError when it has no href or status.
 */
export function readTask(node: XmlNode): VcdTask {
  const error = child(node, 'Error');
  return {
    href: requireAttr(node, 'href'),
    id: attr(node, 'id'),
    status: requireAttr(node, 'status'),
    operationName: attr(node, 'operationName'),
    operation: attr(node, 'operation'),
    progress: toInt(textOf(node, 'Progress')),
    owner: readReference(child(node, 'Owner')),
    error: error === undefined ? undefined : readVcdError(error),
    startTime: attr(node, 'startTime'),
    endTime: attr(node, 'endTime'),
  };
}

/**
 * Parses a `<TasksList>` document (XSD `TasksListType`).
 *
 * @throws XmlParseError when the text is not XML; WireFormatError when the root is not TasksList or a task
 *   has no href or status.
 */
export function parseTasksList(xml: string): VcdTask[] {
  return children(expectRoot(parseXml(xml), 'TasksList'), 'Task').map(readTask);
}
