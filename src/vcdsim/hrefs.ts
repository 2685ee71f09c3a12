/** The simulator's URL scheme, which is VCD's: `/api/vApp/vapp-<uuid>`, `/api/task/<uuid>`, ids as URNs. */

const UUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';

/** Builds absolute hrefs on the simulator's base URL. */
export class Hrefs {
  constructor(readonly base: string) {}

  api(path: string): string {
    return `${this.base}/api${path}`;
  }
  /** A CloudAPI object by its URN id, e.g. `/cloudapi/1.0.0/firewallGroups/urn:vcloud:firewallGroup:<uuid>`. */
  cloudapi(collection: string, kind: string, id: string): string {
    return `${this.base}/cloudapi/1.0.0/${collection}/${urn(kind, id)}`;
  }
  session(): string {
    return this.api('/session');
  }
  orgList(): string {
    return this.api('/org/');
  }
  org(id: string): string {
    return this.api(`/org/${id}`);
  }
  user(id: string): string {
    return this.api(`/admin/user/${id}`);
  }
  vdc(id: string): string {
    return this.api(`/vdc/${id}`);
  }
  catalog(id: string): string {
    return this.api(`/catalog/${id}`);
  }
  network(id: string): string {
    return this.api(`/network/${id}`);
  }
  /** The admin view of a network, as edge gateway interfaces and NAT rules reference it. */
  adminNetwork(id: string): string {
    return this.api(`/admin/network/${id}`);
  }
  edgeGateway(id: string): string {
    return this.api(`/admin/edgeGateway/${id}`);
  }
  catalogItem(id: string): string {
    return this.api(`/catalogItem/${id}`);
  }
  vAppTemplate(id: string): string {
    return this.api(`/vAppTemplate/vappTemplate-${id}`);
  }
  templateVm(id: string): string {
    return this.api(`/vAppTemplate/vm-${id}`);
  }
  vApp(id: string): string {
    return this.api(`/vApp/vapp-${id}`);
  }
  vm(id: string): string {
    return this.api(`/vApp/vm-${id}`);
  }
  task(id: string): string {
    return this.api(`/task/${id}`);
  }
  /** `.../metadata`, or one entry (`.../metadata/<key>`, SYSTEM domain under `.../metadata/SYSTEM/<key>`). */
  metadata(entityHref: string, entry?: { domain: string; key: string }): string {
    if (entry === undefined) {
      return `${entityHref}/metadata`;
    }
    const prefix = entry.domain === 'SYSTEM' ? 'SYSTEM/' : '';
    return `${entityHref}/metadata/${prefix}${encodeURIComponent(entry.key)}`;
  }
}

/** `urn:vcloud:<kind>:<uuid>`, the `id` attribute VCD gives entities. */
export function urn(kind: string, uuid: string): string {
  return `urn:vcloud:${kind}:${uuid}`;
}

/** The uuid in an href like `.../api/vAppTemplate/vappTemplate-<uuid>`, ignoring scheme and host. */
export function uuidFromHref(href: string, pathPrefix: string): string | undefined {
  let path: string;
  try {
    path = new URL(href, 'http://placeholder').pathname;
  } catch {
    return undefined;
  }
  const match = new RegExp(`^${pathPrefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(${UUID})/?$`).exec(path);
  return match?.[1]?.toLowerCase();
}
