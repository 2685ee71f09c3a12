/**
 * Child-order checks for the request bodies the simulator reads. Real VCD unmarshals bodies with a validating JAXB
 * parser, so a body with elements out of XSD order fails with 400 and a `cvc-complex-type.2.4.a` message; clients
 * must be caught on that here, not first in production.
 */
import { type XmlNode } from '../../vcd/wire/xml';
import { invalidBody } from '../sim-error';

export const VCLOUD = 'http://www.vmware.com/vcloud/v1.5';
export const OVF = 'http://schemas.dmtf.org/ovf/envelope/1';

/** One particle of an `xs:sequence`: element names (several for substitution groups) or a wildcard. */
export interface Particle {
  readonly names?: readonly string[];
  readonly ns?: string;
  readonly min?: number;
  readonly max?: number;
  /** `xs:any`: matches any element. */
  readonly any?: boolean;
}

/** Optional single element. */
export function opt(name: string, ns = VCLOUD): Particle {
  return { names: [name], ns, min: 0, max: 1 };
}

/** Required single element. */
export function req(name: string, ns = VCLOUD): Particle {
  return { names: [name], ns, min: 1, max: 1 };
}

/** Any number of these elements. */
export function many(names: string | readonly string[], ns = VCLOUD): Particle {
  return { names: typeof names === 'string' ? [names] : names, ns, min: 0, max: Infinity };
}

/**
 * Anything else (XSD `xs:any namespace="##other"`), any number of times. Without namespaces at hand it matches any
 * element the sequence does not name itself, so a known element out of order is still refused.
 */
export const ANY: Particle = { any: true, min: 0, max: Infinity };

/** `VCloudExtensibleType` lets every vCloud element start with extensions. */
const EXTENSIONS = many('VCloudExtension');

function matches(p: Particle, name: string, named: ReadonlySet<string>): boolean {
  return p.any === true ? !named.has(name) : (p.names ?? []).includes(name);
}

function expected(particles: readonly Particle[], from: number): string {
  const names: string[] = [];
  for (const p of particles.slice(from)) {
    if (p.any === true) {
      names.push('WC[##other]');
    } else {
      for (const n of p.names ?? []) {
        names.push(`"${p.ns ?? VCLOUD}":${n}`);
      }
    }
    if ((p.min ?? 0) > 0) {
      break;
    }
  }
  return `'{${names.join(', ')}}'`;
}

/**
 * Checks the children of `node` against a sequence, as xerces would.
 *
 * @throws SimError 400 BAD_REQUEST (JAXB-style message) on the first element out of order, repeated too often, or
 *   a required element missing.
 */
export function checkSequence(node: XmlNode, sequence: readonly Particle[]): void {
  const particles = [EXTENSIONS, ...sequence];
  const named = new Set(particles.flatMap((p) => p.names ?? []));
  let i = 0;
  let count = 0;
  for (const childNode of node.children) {
    // xerces lists every element that could have come here, starting where this child began to be matched.
    const current = particles[i];
    const from = current !== undefined && count >= (current.max ?? 1) ? i + 1 : i;
    for (;;) {
      const p = particles[i];
      if (p === undefined) {
        throw invalidBody(
          `cvc-complex-type.2.4.d: Invalid content was found starting with element '${childNode.name}'. No child element is expected at this point.`,
        );
      }
      if (matches(p, childNode.name, named) && count < (p.max ?? 1)) {
        count += 1;
        break;
      }
      if (count < (p.min ?? 0)) {
        throw invalidBody(
          `cvc-complex-type.2.4.a: Invalid content was found starting with element '${childNode.name}'. One of ${expected(particles, from)} is expected.`,
        );
      }
      i += 1;
      count = 0;
    }
  }
  for (; i < particles.length; i += 1, count = 0) {
    const p = particles[i];
    if (p !== undefined && count < (p.min ?? 0)) {
      throw invalidBody(
        `cvc-complex-type.2.4.b: The content of element '${node.name}' is not complete. One of ${expected(particles, i)} is expected.`,
      );
    }
  }
}
