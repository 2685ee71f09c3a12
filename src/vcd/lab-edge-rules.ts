/**
 * Labs' rules on a legacy edge gateway: tagging (`labbot:<labId>:<rule name>` in the rule's Description, the only
 * free-text field both NAT and firewall rules carry), replacing one lab's rules inside the edge's services (pure),
 * and a writer that batches the changes of several labs into one configureServices call per edge.
 *
 * Why batch: the edge takes one change at a time and answers BUSY_ENTITY otherwise, and each change rewrites the
 * whole NAT and firewall service (a task of several seconds on a real edge). Ten labs deploying at once would queue
 * ten changes; collecting the labs that arrive while one change is in flight turns them into two.
 */
import { parseIpRange, type IpRange } from '../labs/ipv4';
import { type LabEdgeRules, type LabFirewallRule, type LabNatRule, type Logger } from '../labs/ports';
import { EdgeBatcher } from './edge-batcher';
import { VcdApiError } from './errors';
import { type EdgeServices } from './network-resources';
import { type VcdEdgeGateway } from './wire/edge-gateway';
import { type FirewallRuleInput, type GatewayNatRuleInput } from './wire/network-services';

const TAG_PREFIX = 'labbot:';
/** Lab ids are `[a-z][a-z0-9]*-[a-z0-9-]+` (labs/lab-id.ts): no colon, so the first colon after the id ends it. */
const TAG = /^labbot:([a-z][a-z0-9-]*):/;

/** The Description that marks a rule as the lab's. */
export function ruleTag(labId: string, ruleName: string): string {
  return `${TAG_PREFIX}${labId}:${ruleName}`;
}

/** The lab id of a tagged rule; undefined for every rule labbot did not create. */
export function labIdOfRule(description: string | undefined): string | undefined {
  return description === undefined ? undefined : TAG.exec(description)?.[1];
}

/** The edge interface NAT rules of labs apply to: where outside traffic enters. */
export interface EdgeUplink {
  href: string;
  name?: string;
}

function natInput(labId: string, rule: LabNatRule, uplink: EdgeUplink): GatewayNatRuleInput {
  return {
    description: ruleTag(labId, rule.name),
    ruleType: rule.type,
    enabled: true,
    interfaceHref: uplink.href,
    ...(uplink.name !== undefined ? { interfaceName: uplink.name } : {}),
    originalIp: rule.originalIp,
    ...(rule.originalPort !== undefined ? { originalPort: rule.originalPort } : {}),
    translatedIp: rule.translatedIp,
    ...(rule.translatedPort !== undefined ? { translatedPort: rule.translatedPort } : {}),
    protocol: rule.protocol,
  };
}

function firewallInput(labId: string, rule: LabFirewallRule): FirewallRuleInput {
  return {
    enabled: true,
    matchOnTranslate: false,
    description: ruleTag(labId, rule.name),
    policy: 'allow',
    protocols: [rule.protocol],
    destinationPortRange: rule.destinationPort,
    destinationIp: rule.destinationIp,
    sourcePortRange: 'Any',
    sourceIp: rule.sourceIp,
    enableLogging: false,
  };
}

/**
 * The edge's services with every rule tagged for one of `changes`' labs replaced by the lab's new rules (appended
 * after the rules that stay, in lab order). Rules of other labs and untagged rules are kept as they are, in place.
 */
export function replaceLabRules(
  current: EdgeServices,
  changes: ReadonlyMap<string, LabEdgeRules>,
  uplink: EdgeUplink,
): EdgeServices {
  const touched = (description: string | undefined): boolean => {
    const labId = labIdOfRule(description);
    return labId !== undefined && changes.has(labId);
  };
  const entries = [...changes.entries()];
  return {
    nat: {
      ...current.nat,
      rules: [
        ...current.nat.rules.filter((r) => !touched(r.description)),
        ...entries.flatMap(([labId, rules]) => rules.nat.map((r) => natInput(labId, r, uplink))),
      ],
    },
    firewall: {
      ...current.firewall,
      rules: [
        ...current.firewall.rules.filter((r) => !touched(r.description)),
        ...entries.flatMap(([labId, rules]) => rules.firewall.map((r) => firewallInput(labId, r))),
      ],
    },
  };
}

/**
 * The public side of the edge's NAT rules (DNAT original address, SNAT translated address) but those tagged with
 * `labId`; single addresses and dash ranges (CIDR blocks are left out: legacy gateway rules name addresses).
 */
export function natAddressesInUse(edge: VcdEdgeGateway, labId: string): IpRange[] {
  return (edge.nat?.rules ?? [])
    .filter((r) => labIdOfRule(r.description) !== labId)
    .map((r) => (r.ruleType?.toUpperCase() === 'SNAT' ? r.translatedIp : r.originalIp))
    .map((address) => (address === undefined ? undefined : parseIpRange(address)))
    .filter((range): range is IpRange => range !== undefined);
}

/** Lab ids with at least one tagged rule on the edge. */
export function labsWithRules(edge: VcdEdgeGateway): string[] {
  const ids = [...(edge.nat?.rules ?? []), ...(edge.firewall?.rules ?? [])]
    .map((r) => labIdOfRule(r.description))
    .filter((id): id is string => id !== undefined);
  return [...new Set(ids)].sort();
}

/** What the edge must hold for the lab, as comparable keys (ids and names aside). */
function expectedKeys(labId: string, rules: LabEdgeRules): string[] {
  return [
    ...rules.nat.map((r) =>
      natKey(ruleTag(labId, r.name), r.type, r.originalIp, r.originalPort, r.translatedIp, r.translatedPort),
    ),
    ...rules.firewall.map((r) =>
      firewallKey(ruleTag(labId, r.name), r.sourceIp, r.destinationIp, r.destinationPort),
    ),
  ].sort();
}

function actualKeys(labId: string, edge: VcdEdgeGateway): string[] {
  const mine = (description: string | undefined): boolean => labIdOfRule(description) === labId;
  return [
    ...(edge.nat?.rules ?? [])
      .filter((r) => mine(r.description))
      .map((r) =>
        natKey(r.description, r.ruleType, r.originalIp, r.originalPort, r.translatedIp, r.translatedPort),
      ),
    ...(edge.firewall?.rules ?? [])
      .filter((r) => mine(r.description))
      .map((r) => firewallKey(r.description, r.sourceIp, r.destinationIp, r.destinationPortRange)),
  ].sort();
}

function natKey(...parts: (string | undefined)[]): string {
  return `nat|${parts.map((p) => (p ?? '').toLowerCase()).join('|')}`;
}

function firewallKey(...parts: (string | undefined)[]): string {
  return `fw|${parts.map((p) => (p ?? 'any').toLowerCase()).join('|')}`;
}

/** True when the edge holds exactly the lab's rules (by content, not by id). */
export function edgeHasLabRules(edge: VcdEdgeGateway, labId: string, rules: LabEdgeRules): boolean {
  return JSON.stringify(actualKeys(labId, edge)) === JSON.stringify(expectedKeys(labId, rules));
}

export interface EdgeRuleWriterOptions {
  /** Reads the edge (for its uplink and to verify a change). */
  read: (edgeHref: string) => Promise<VcdEdgeGateway>;
  /** One serialized read-modify-write of the edge's NAT and firewall (NetworkResources.updateEdgeGatewayServices). */
  update: (edgeHref: string, change: (current: EdgeServices) => EdgeServices) => Promise<void>;
  logger: Logger;
  /** Read-modify-write rounds before giving up when another writer keeps overwriting the edge; default 4. */
  maxRounds?: number;
}

/**
 * Sets labs' rules on edges, batching: a change that arrives while another change to the same edge is in flight
 * waits and goes out with every other change that arrived meanwhile, in one configureServices call. A lab's later
 * change replaces its earlier pending one (the last word wins; both callers are answered when it is applied).
 *
 * Across replicas, nothing serializes the read-modify-write, so after each change the writer reads the edge back and
 * repeats the change when another replica's write replaced it (BUSY_ENTITY itself is retried by the HTTP funnel).
 */
export class EdgeRuleWriter {
  private readonly batcher = new EdgeBatcher((edge, changes) => this.apply(edge, changes));
  private readonly uplinks = new Map<string, EdgeUplink>();

  constructor(private readonly options: EdgeRuleWriterOptions) {}

  /**
   * Makes the lab's rules on the edge exactly `rules`; resolves once the edge has them.
   *
   * @throws whatever the edge change throws (VcdApiError, VcdTaskFailedError, VcdUnavailableError), and VcdApiError
   *   EDGE_NOT_CONFIGURABLE without an uplink, or EDGE_RULES_NOT_APPLIED when other writers kept overwriting them.
   */
  set(edgeHref: string, labId: string, rules: LabEdgeRules): Promise<void> {
    return this.batcher.set(edgeHref, labId, rules);
  }

  private async apply(edgeHref: string, changes: Map<string, LabEdgeRules>): Promise<void> {
    const uplink = await this.uplink(edgeHref);
    const rounds = this.options.maxRounds ?? 4;
    for (let round = 1; ; round++) {
      await this.options.update(edgeHref, (current) => replaceLabRules(current, changes, uplink));
      const edge = await this.options.read(edgeHref);
      const missing = [...changes].filter(([labId, rules]) => !edgeHasLabRules(edge, labId, rules));
      if (missing.length === 0) {
        this.options.logger.info({ edge: edge.name, labs: [...changes.keys()], round }, 'Lab edge rules set');
        return;
      }
      if (round >= rounds) {
        throw new VcdApiError({
          minorErrorCode: 'EDGE_RULES_NOT_APPLIED',
          message: `edge gateway ${edge.name} did not keep the rules of ${missing.map(([id]) => id).join(', ')} after ${rounds} attempts; another writer keeps replacing them`,
        });
      }
      this.options.logger.warn(
        { edge: edge.name, labs: missing.map(([id]) => id), round },
        'Lab edge rules overwritten by another writer; applying again',
      );
    }
  }

  private async uplink(edgeHref: string): Promise<EdgeUplink> {
    const known = this.uplinks.get(edgeHref);
    if (known !== undefined) {
      return known;
    }
    const edge = await this.options.read(edgeHref);
    const uplink = edge.uplinks.find((u) => u.networkHref !== undefined);
    if (uplink?.networkHref === undefined) {
      throw new VcdApiError({
        minorErrorCode: 'EDGE_NOT_CONFIGURABLE',
        message: `edge gateway ${edge.name} has no uplink interface for NAT rules`,
      });
    }
    const found: EdgeUplink = {
      href: uplink.networkHref,
      ...(uplink.networkName !== undefined ? { name: uplink.networkName } : {}),
    };
    this.uplinks.set(edgeHref, found);
    return found;
  }
}
