/**
 * GET of every sub-document a vApp, VM or vApp template advertises by href: its OVF sections
 * (`…/virtualHardwareSection/`, `…/operatingSystemSection/`, `…/virtualHardwareSection/cpu`, …), a template's VMs
 * (`/api/vAppTemplate/vm-{id}`) and their sections. VCD serves each at the href it writes inside the entity; the
 * simulator answers with that very element of the entity's document, made a root (namespaces declared; a RASD item
 * becomes the vCloud `Item` the 1.5 schema declares for it, as VCD answers `application/vnd.vmware.vcloud.rasdItem+xml`).
 * Routes for the sections labbot writes (lease, network config, network connection) stay in their own files and match
 * first.
 */
import { vAppDocument } from '../documents/vapp';
import { vAppTemplateDocument } from '../documents/vapp-template';
import { vmElement } from '../documents/vm';
import { OVF_ROOT, VCLOUD_ROOT, link, type RenderContext } from '../documents/common';
import { xmlResponse, type Route, type SimRequest } from '../http/sim-http';
import { MEDIA } from '../media-types';
import { requireVApp } from '../operations/vapp-guards';
import { noAccess, resourceNotFound } from '../sim-error';
import { x, type XmlAttrValue, type XmlChild, type XmlNodeOut } from '../xml-writer';
import { requireVm } from './route-helpers';

/** `<name>Section` with an optional item (`cpu`, `memory`, `disks`, …). */
const SECTION = '([A-Za-z]+Section(?:/[A-Za-z]+)?)';

function isNode(child: XmlChild): child is XmlNodeOut {
  return typeof child === 'object' && child !== null && !Array.isArray(child) && 'name' in child;
}

function hrefOf(node: XmlNodeOut): string | undefined {
  const value = node.attrs['href'] ?? node.attrs['vcloud:href'];
  return typeof value === 'string' ? value.replace(/\/+$/, '') : undefined;
}

/** The first element, depth first, whose href is `href` (trailing slashes ignored). */
function findByHref(node: XmlNodeOut, href: string): XmlNodeOut | undefined {
  if (hrefOf(node) === href) {
    return node;
  }
  const stack: XmlChild[] = [...node.children];
  while (stack.length > 0) {
    const child = stack.shift();
    if (Array.isArray(child)) {
      stack.unshift(...(child as XmlChild[]));
    } else if (child !== undefined && isNode(child)) {
      const found = findByHref(child, href);
      if (found !== undefined) {
        return found;
      }
    }
  }
  return undefined;
}

/** The element as a document of its own: its media type, and the root's namespace declarations. */
function asRoot(element: XmlNodeOut): { document: XmlNodeOut; mediaType: string } {
  const type = element.attrs['type'] ?? element.attrs['vcloud:type'];
  const rasdItem = element.name === 'ovf:Item';
  const attrs: Record<string, XmlAttrValue> = { ...OVF_ROOT, ...element.attrs };
  return {
    document: { ...element, name: rasdItem ? 'Item' : element.name, attrs },
    mediaType: typeof type === 'string' ? type : rasdItem ? MEDIA.rasdItem : MEDIA.vm,
  };
}

function extract(parent: XmlNodeOut, href: string, missing: () => Error, rootName?: string) {
  const found = findByHref(parent, href);
  if (found === undefined) {
    throw missing();
  }
  const { document, mediaType } = asRoot(found);
  return xmlResponse(200, rootName === undefined ? document : { ...document, name: rootName }, mediaType);
}

function requestedHref(req: SimRequest): string {
  return `${req.ctx.hrefs.base}${req.path}`;
}

/** The template that holds a template VM, found by the VM's href in the template documents. */
function templateDocumentHolding(ctx: RenderContext, vmHref: string): XmlNodeOut | undefined {
  for (const template of ctx.state.templates) {
    const document = vAppTemplateDocument(ctx, template);
    if (findByHref(document, vmHref) !== undefined) {
      return document;
    }
  }
  return undefined;
}

/** `GET …/metadata` of a template: labbot writes none on templates, so VCD answers an empty Metadata. */
function templateMetadataDocument(ctx: RenderContext, templateHref: string): XmlNodeOut {
  return x(
    'Metadata',
    { ...VCLOUD_ROOT, href: ctx.hrefs.metadata(templateHref), type: MEDIA.metadata },
    link('up', templateHref, MEDIA.vAppTemplate),
  );
}

export const sectionReadRoutes: readonly Route[] = [
  {
    method: 'GET',
    pattern: new RegExp(`^/api/vApp/vapp-([^/]+)/${SECTION}$`),
    operation: 'vApp.section.get',
    versioning: 'api',
    authenticated: true,
    handle: (req, [id = '']) =>
      extract(vAppDocument(req.ctx, requireVApp(req.ctx.state, id)), requestedHref(req), resourceNotFound),
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/api/vApp/vm-([^/]+)/${SECTION}$`),
    operation: 'vm.section.get',
    versioning: 'api',
    authenticated: true,
    handle: (req, [id = '']) => {
      const { vApp, vm } = requireVm(req, id);
      const busy = req.ctx.state.activeTaskOf(vm.id) !== undefined;
      return extract(vmElement(req.ctx, vApp, vm, busy, true), requestedHref(req), resourceNotFound);
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/api/vAppTemplate/vappTemplate-([^/]+)/${SECTION}$`),
    operation: 'vAppTemplate.section.get',
    versioning: 'api',
    authenticated: true,
    handle: (req, [id = '']) => {
      const template = req.ctx.state.template(id);
      if (template === undefined) {
        throw noAccess('vappTemplate', id);
      }
      return extract(vAppTemplateDocument(req.ctx, template), requestedHref(req), resourceNotFound);
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/vAppTemplate\/vappTemplate-([^/]+)\/metadata$/,
    operation: 'vAppTemplate.metadata.get',
    versioning: 'api',
    authenticated: true,
    handle: (req, [id = '']) => {
      const template = req.ctx.state.template(id);
      if (template === undefined) {
        throw noAccess('vappTemplate', id);
      }
      return xmlResponse(
        200,
        templateMetadataDocument(req.ctx, req.ctx.hrefs.vAppTemplate(template.id)),
        MEDIA.metadata,
      );
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/api/vAppTemplate/vm-([^/]+)(?:/${SECTION})?$`),
    operation: 'vAppTemplate.vm.get',
    versioning: 'api',
    authenticated: true,
    handle: (req, [id = '', section]) => {
      const vmHref = req.ctx.hrefs.templateVm(id);
      const document = templateDocumentHolding(req.ctx, vmHref);
      if (document === undefined) {
        throw noAccess('vm', id);
      }
      // A template's VM is a `Vm` of VAppTemplateType inside its template; read alone, VCD writes it as the element
      // the schema declares for that type, `VAppTemplate` (media type vm+xml).
      return section === undefined
        ? extract(document, vmHref, resourceNotFound, 'VAppTemplate')
        : extract(document, requestedHref(req), resourceNotFound);
    },
  },
  {
    // A vApp Author may not read users (right "View users" is the org administrator's); VCD answers so for the owner
    // references in catalogs and vApps.
    method: 'GET',
    pattern: /^\/api\/admin\/user\/([^/]+)$/,
    operation: 'user.get',
    versioning: 'api',
    authenticated: true,
    handle: (_req, [id = '']) => {
      throw noAccess('user', id);
    },
  },
];
