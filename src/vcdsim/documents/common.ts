/** Pieces every VCD document shares: root namespace declarations, Link and reference elements, timestamps. */
import { type Hrefs } from '../hrefs';
import { NS_OVF, NS_RASD, NS_VCLOUD, NS_VMW, NS_VSSD, NS_XSI } from '../media-types';
import { type SimState } from '../sim-state';
import { x, type XmlAttrValue, type XmlNodeOut } from '../xml-writer';

/** What a document writer needs besides the entity: the URL scheme, the clock and the org around it. */
export interface RenderContext {
  readonly hrefs: Hrefs;
  readonly state: SimState;
  readonly now: number;
}

/** Namespace declarations for documents in the vCloud namespace only. */
export const VCLOUD_ROOT: Record<string, XmlAttrValue> = { xmlns: NS_VCLOUD, 'xmlns:xsi': NS_XSI };

/** Namespace declarations for documents carrying OVF sections (vApp, VM, template), as VCD writes them. */
export const OVF_ROOT: Record<string, XmlAttrValue> = {
  xmlns: NS_VCLOUD,
  'xmlns:ovf': NS_OVF,
  'xmlns:vssd': NS_VSSD,
  'xmlns:rasd': NS_RASD,
  'xmlns:vmw': NS_VMW,
  'xmlns:vcloud': NS_VCLOUD,
  'xmlns:xsi': NS_XSI,
};

/** `<Link rel type? href name?/>`. */
export function link(rel: string, href: string, type?: string, name?: string): XmlNodeOut {
  return x('Link', { rel, href, type, name });
}

/** A ReferenceType element (`Owner`, `User`, `ParentNetwork`, ...). */
export function reference(
  element: string,
  href: string,
  type?: string,
  name?: string,
  id?: string,
): XmlNodeOut {
  return x(element, { href, id, type, name });
}

/** xs:dateTime in UTC with milliseconds (VCD writes offsets; both are valid). */
export function dateTime(ms: number): string {
  return new Date(ms).toISOString();
}
