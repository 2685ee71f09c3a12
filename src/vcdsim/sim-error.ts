/**
 * Failures the simulator answers with a VCD `Error` document. Codes and messages imitate real VCD (sources in
 * the comments); the `[ request id ]` prefix is added when the document is written.
 */

/** An error that becomes `<Error majorErrorCode minorErrorCode message>` with this HTTP status. */
export class SimError extends Error {
  override readonly name = 'SimError';
  constructor(
    readonly status: number,
    readonly minorErrorCode: string,
    message: string,
  ) {
    super(message);
  }
}

/** Entity kinds as VCD names them in `com.vmware.vcloud.entity.<kind>:<uuid>`. */
export type EntityKind =
  | 'vapp'
  | 'vm'
  | 'vappTemplate'
  | 'vdc'
  | 'network'
  | 'task'
  | 'org'
  | 'catalog'
  | 'catalogItem'
  | 'gateway'
  | 'user';

/**
 * Unknown or deleted entity. Real VCD answers 403, not 404, for an id it does not know or the caller may not see
 * (fixture libcloud/api_vApp_vapp_access_to_resource_forbidden.xml; vCloud PG "ACCESS_TO_RESOURCE_IS_FORBIDDEN").
 */
export function noAccess(kind: EntityKind, uuid: string): SimError {
  return new SimError(
    403,
    'ACCESS_TO_RESOURCE_IS_FORBIDDEN',
    `No access to entity "com.vmware.vcloud.entity.${kind}:${uuid}".`,
  );
}

/** An address no route serves. */
export function resourceNotFound(): SimError {
  return new SimError(404, 'RESOURCE_NOT_FOUND', 'The requested resource was not found.');
}

/** A known address with a method it does not support. */
export function methodNotAllowed(method: string): SimError {
  return new SimError(405, 'METHOD_NOT_ALLOWED', `HTTP method ${method} is not supported for this resource.`);
}

/** A request the server will not carry out as sent. */
export function badRequest(message: string): SimError {
  return new SimError(400, 'BAD_REQUEST', message);
}

/**
 * The entity has a task in flight: HTTP 400 BUSY_ENTITY, message shape from vmware/go-vcloud-director#616 and
 * vmware/terraform-provider-vcd#649 ("The entity Ref: com.vmware.vcloud.entity.vapp:<uuid> is busy completing an
 * operation VDC_COMPOSE_VAPP(com.vmware.vcloud.entity.task:<uuid>).").
 */
export function busyEntity(kind: EntityKind, uuid: string, operationName: string, taskId: string): SimError {
  const operation = operationName.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
  return new SimError(
    400,
    'BUSY_ENTITY',
    `The entity Ref: com.vmware.vcloud.entity.${kind}:${uuid} is busy completing an operation ${operation}(com.vmware.vcloud.entity.task:${taskId}).`,
  );
}

/**
 * The vApp is in a power state the operation cannot start from. Message shape of real VCD
 * (vmware-archive/ansible-module-vcloud-director#31: "The requested operation could not be executed since VM "x"
 * is not powered on.").
 */
export function wrongPowerState(
  vAppName: string,
  required: 'powered on' | 'powered off' | 'deployed',
): SimError {
  return badRequest(
    `The requested operation could not be executed since vApp "${vAppName}" is not ${required}.`,
  );
}

/**
 * Deleting a vApp that is still deployed (vmware-archive/pyvcloud#489: 400 BAD_REQUEST "The requested operation could
 * not be executed on vApp "x". Stop the vApp and try again.").
 */
export function stopVAppFirst(vAppName: string): SimError {
  return badRequest(
    `The requested operation could not be executed on vApp "${vAppName}". Stop the vApp and try again.`,
  );
}

/**
 * A request body VCD's JAXB layer would reject (shape of real messages, e.g. vmware-archive/pyvcloud#41:
 * "Bad request  - Unexpected JAXB Exception  - cvc-complex-type.2.4.a: Invalid content was found ...").
 */
export function invalidBody(detail: string): SimError {
  return badRequest(`Bad request  - Unexpected JAXB Exception  - ${detail}`);
}
