/**
 * Labs' rules on an NSX-T edge gateway through the CloudAPI, with the contract of the NSX-V writer
 * (lab-edge-rules.ts): rules tagged `labbot:<labId>:<rule>`, idempotent, batched per edge, verified by reading back,
 * never touching a rule without a lab's tag and never dropping another writer's rule. What the rules become on NSX-T
 * is decided in plan.ts.
 *
 * Order of a change: one parallel read of what it depends on; port profiles and IP sets first (rules reference them
 * by id, which their create tasks name), then NAT rules one by one (each a 202 task), then the whole firewall list
 * (modified from that read, written back), then the firewall's read-back; IP sets and port profiles no longer used
 * are deleted last. The edge takes one change at a time (see the simulator's assertEdgeIdle for VCD's behaviour), so
 * the changes are sequential and a batch carries every lab that arrived meanwhile. A round that loses a race (a
 * version conflict, or another replica's write that replaced ours) is done again from a fresh read.
 */
import { inRange, parseIpRange, type IpRange } from '../../labs/ipv4';
import { type LabEdgeRules, type Logger } from '../../labs/ports';
import { EdgeBatcher } from '../edge-batcher';
import { VcdApiError, VcdNotFoundError } from '../errors';
import { type CloudApi } from './cloudapi';
import {
  firewallBody,
  firewallKey,
  labOf,
  mergeFirewall,
  natBody,
  natKey,
  planLab,
  portKeyOfProfile,
  portProfileName,
  portsNeeded,
  setsNeeded,
  type Ids,
  type LabPlan,
} from './plan';
import {
  readFirewallGroup,
  readFirewallRules,
  readIpSpace,
  readIpSpaceAllocation,
  readNatRule,
  readPortProfile,
  readUsedIp,
  type IpSpaceAllocation,
  type IpSpaceRef,
  type NsxtEdgeGateway,
  type NsxtFirewallGroup,
  type NsxtFirewallRule,
  type NsxtNatRule,
  type NsxtPortProfile,
} from './wire';

const API = '/cloudapi/1.0.0';

export interface NsxtEdgeWriterOptions {
  api: CloudApi;
  logger: Logger;
  /** The edge document by id (cached by the caller). */
  edge: (edgeId: string) => Promise<NsxtEdgeGateway>;
  /** Rounds before giving up when other writers keep replacing the rules; default 4. */
  maxRounds?: number;
}

/** A version conflict: someone changed the entity since we read it (VCD answers 400/409 naming the version). */
export function isVersionConflict(error: unknown): boolean {
  if (!(error instanceof VcdApiError)) {
    return false;
  }
  const code = (error.minorErrorCode ?? '').toUpperCase();
  return (
    error.httpStatus === 409 ||
    code === 'CONFLICT' ||
    code.includes('VERSION') ||
    (error.httpStatus === 400 && /version/i.test(error.vcdMessage))
  );
}

const enc = encodeURIComponent;

/** What one round of a change found and did, for the check and the clean-up after it. */
interface RoundOutcome {
  /** Labs whose firewall rules the edge did not keep. */
  missing: string[];
  /** The changed labs' IP sets as read at the start of the round. */
  setsRead: NsxtFirewallGroup[];
  /** A NAT rule was updated or deleted, or a firewall rule left the list: a port profile may be unused now. */
  referencesMayBeUnused: boolean;
}

/** NSX-T edge networking for labs. */
export class NsxtEdgeWriter {
  private readonly batcher = new EdgeBatcher((edgeId, changes) => this.apply(edgeId, changes));
  private readonly ipSpaces = new Map<string, IpSpaceRef>();

  constructor(private readonly options: NsxtEdgeWriterOptions) {}

  /**
   * Makes the lab's rules on the edge exactly `rules` (empty: removes them, its IP sets and the port profiles no lab
   * uses any more); resolves once the edge has them.
   *
   * @throws VcdApiError (EDGE_RULES_NOT_APPLIED when other writers kept replacing them; refusals), VcdTaskFailedError,
   *   VcdNotFoundError, VcdUnavailableError.
   */
  set(edgeId: string, labId: string, rules: LabEdgeRules): Promise<void> {
    return this.batcher.set(edgeId, labId, rules);
  }

  /** Lab ids with a tagged NAT rule, firewall rule or IP set on the edge (floating IPs are the store's record). */
  async labs(edgeId: string): Promise<string[]> {
    const [nat, firewall, sets] = await Promise.all([
      this.listNat(edgeId),
      this.getFirewall(edgeId),
      // Names are enough here: the summaries carry the tag.
      this.setSummaries(edgeId),
    ]);
    const ids = [...nat, ...firewall, ...sets]
      .map((item) => labOf(item))
      .filter((id): id is string => id !== undefined);
    return [...new Set(ids)].sort();
  }

  /**
   * Public addresses in use on the edge but `labId`'s own: everything `usedIpAddresses` lists (NAT rules of anyone,
   * the edge's primary IP, VPN, load balancer), less addresses only the lab's own NAT rules use; and on an IP-Space
   * edge, every floating IP the org holds (the pool hands a lab the address it already holds before looking at these).
   */
  async addressesInUse(edgeId: string, labId: string): Promise<IpRange[]> {
    const [used, nat, allocations] = await Promise.all([
      this.options.api.list(`${API}/edgeGateways/${enc(edgeId)}/usedIpAddresses`, readUsedIp),
      this.listNat(edgeId),
      this.listAllocations(edgeId),
    ]);
    const own = new Set(nat.filter((r) => labOf(r) === labId).map(publicSide));
    const others = new Set(nat.filter((r) => labOf(r) !== labId).map(publicSide));
    const addresses = [
      ...used.map((u) => u.ipAddress).filter((ip) => !own.has(ip) || others.has(ip)),
      ...allocations.map((a) => a.value),
    ];
    return addresses.map(parseIpRange).filter((r): r is IpRange => r !== undefined);
  }

  /**
   * On an edge whose uplink takes its addresses from an IP Space, makes `ip` a floating IP of the org: allocates that
   * very address unless an allocation of it exists already (a restart after a crash between the allocation and the
   * lab's record finds it and takes it as is). The PublicIpPool's row, written before this call, is the record that
   * says which lab holds it; the IP Space's allocation has no field labbot could tag reliably. Elsewhere nothing:
   * uplink sub-allocations need no claim.
   *
   * @throws VcdApiError (NO_IP_SPACE; refusals such as an exhausted quota), VcdTaskFailedError, VcdUnavailableError.
   */
  async claimIp(edgeId: string, labId: string, ip: string): Promise<void> {
    const space = await this.ipSpaceFor(edgeId, ip);
    if (space === undefined) {
      return;
    }
    if ((await this.allocations(space)).some((a) => a.value === ip)) {
      return;
    }
    await this.options.api.write('POST', `${API}/ipSpaces/${enc(space.id)}/allocate`, {
      type: 'FLOATING_IP',
      value: ip,
    });
    this.options.logger.info({ ip, labId, ipSpace: space.name }, 'Floating IP allocated to lab');
  }

  /**
   * Releases the lab's floating IP `ip` on an IP-Space edge (after its NAT rules are gone: VCD refuses to release an
   * address a rule uses). Nothing on other edges, nor without an address.
   */
  async releaseIp(edgeId: string, labId: string, ip: string | undefined): Promise<void> {
    if (ip === undefined) {
      return;
    }
    const space = await this.ipSpaceFor(edgeId, ip).catch((error: unknown) => {
      if (error instanceof VcdApiError && error.minorErrorCode === 'NO_IP_SPACE') {
        return undefined;
      }
      throw error;
    });
    if (space === undefined) {
      return;
    }
    for (const allocation of (await this.allocations(space)).filter((a) => a.value === ip)) {
      await this.deleteIgnoringGone(`${API}/ipSpaces/${enc(space.id)}/allocations/${enc(allocation.id)}`);
      this.options.logger.info({ ip, labId, ipSpace: space.name }, 'Floating IP released');
    }
  }

  private async apply(edgeId: string, changes: Map<string, LabEdgeRules>): Promise<void> {
    const edge = await this.options.edge(edgeId);
    const plans = new Map([...changes].map(([labId, rules]) => [labId, planLab(labId, rules)]));
    const changed = new Set(plans.keys());
    const rounds = this.options.maxRounds ?? 4;
    for (let round = 1; ; round++) {
      let outcome: RoundOutcome;
      try {
        outcome = await this.round(edge, plans, changed);
      } catch (error) {
        if (!isVersionConflict(error) || round >= rounds) {
          throw error;
        }
        this.options.logger.warn(
          { edge: edge.name, round, reason: String(error) },
          'Edge changed meanwhile; again',
        );
        continue;
      }
      if (outcome.missing.length === 0) {
        await this.removeUnused(edge, plans, outcome);
        this.options.logger.info({ edge: edge.name, labs: [...changes.keys()], round }, 'Lab edge rules set');
        return;
      }
      if (round >= rounds) {
        throw new VcdApiError({
          minorErrorCode: 'EDGE_RULES_NOT_APPLIED',
          message: `edge gateway ${edge.name} did not keep the rules of ${outcome.missing.join(', ')} after ${rounds} attempts; another writer keeps replacing them`,
        });
      }
      this.options.logger.warn(
        { edge: edge.name, labs: outcome.missing, round },
        'Lab edge rules overwritten; applying again',
      );
    }
  }

  /**
   * One read-modify-write of the changed labs' objects. Everything it depends on is read at once, in parallel (the
   * port profiles, the changed labs' IP sets, the NAT rules, the firewall list); then the edge's changes go out one
   * by one, as the edge takes them (references first, then NAT rules, then the firewall list); then only the firewall
   * is read back. A NAT rule or IP set is its own object, which a finished create or update task proves is there and
   * no other writer's whole-list write can drop; the firewall list is written whole, so another replica's write from
   * an older read can.
   */
  private async round(
    edge: NsxtEdgeGateway,
    plans: Map<string, LabPlan>,
    changed: ReadonlySet<string>,
  ): Promise<RoundOutcome> {
    const [profiles, sets, nat, firewall] = await Promise.all([
      this.listProfiles(),
      this.listSets(edge.id, changed),
      this.listNat(edge.id),
      this.getFirewall(edge.id),
    ]);
    const ids = await this.ensureReferences(edge, plans, profiles, sets);
    const natReplaced = await this.applyNat(edge.id, plans, ids, nat);
    const written = await this.applyFirewall(edge.id, plans, ids, firewall);
    const missing = written === undefined ? [] : await this.verifyFirewall(edge.id, plans, ids);
    return { missing, setsRead: sets, referencesMayBeUnused: natReplaced || written?.dropped === true };
  }

  /**
   * Creates the port profiles and IP sets the plans need (and fixes sets whose addresses changed); returns ids. A new
   * object's id comes from its create task; only when VCD does not name it there is the list read again.
   */
  private async ensureReferences(
    edge: NsxtEdgeGateway,
    plans: Map<string, LabPlan>,
    profilesRead: Map<string, NsxtPortProfile>,
    setsRead: NsxtFirewallGroup[],
  ): Promise<Ids> {
    const profiles = new Map([...profilesRead].map(([name, p]) => [name, p.id]));
    let listProfiles = false;
    for (const key of portsNeeded(plans.values()).filter((k) => !profiles.has(portProfileName(k)))) {
      const id = await this.options.api.create(
        `${API}/applicationPortProfiles`,
        {
          name: portProfileName(key),
          description: 'labbot: shared by the labs that use this port; deleted when none does',
          scope: 'TENANT',
          ...(edge.orgRef !== undefined ? { orgRef: edge.orgRef } : {}),
          contextEntityId: edge.ownerRef?.id ?? edge.id,
          applicationPorts: [{ protocol: key.protocol, destinationPorts: [key.port] }],
        },
        'applicationPortProfile',
      );
      if (id === undefined) {
        listProfiles = true;
      } else {
        profiles.set(portProfileName(key), id);
      }
    }
    if (listProfiles) {
      for (const [name, p] of await this.listProfiles()) {
        profiles.set(name, p.id);
      }
    }
    const existing = new Map(setsRead.map((s) => [s.name, s]));
    const sets = new Map([...existing].map(([name, s]) => [name, s.id]));
    let listSets = false;
    for (const [name, addresses] of setsNeeded(plans.values())) {
      const current = existing.get(name);
      const body = {
        name,
        description: name.replace(/#\d+:(src|dst)$/, ''),
        typeValue: 'IP_SET',
        ownerRef: { id: edge.id },
        ipAddresses: addresses,
      };
      if (current === undefined) {
        const id = await this.options.api.create(`${API}/firewallGroups`, body, 'firewallGroup');
        if (id === undefined) {
          listSets = true;
        } else {
          sets.set(name, id);
        }
      } else if (JSON.stringify([...current.ipAddresses].sort()) !== JSON.stringify(addresses)) {
        await this.options.api.write('PUT', `${API}/firewallGroups/${enc(current.id)}`, {
          ...body,
          id: current.id,
        });
      }
    }
    if (listSets) {
      for (const set of await this.setSummaries(edge.id)) {
        sets.set(set.name, set.id);
      }
    }
    return { profiles, sets };
  }

  /**
   * Per changed lab: keeps its NAT rules that are as wanted, updates or deletes the others, creates what is missing.
   * True when it updated or deleted a rule (a port profile may have lost its last user).
   */
  private async applyNat(
    edgeId: string,
    plans: Map<string, LabPlan>,
    ids: Ids,
    current: NsxtNatRule[],
  ): Promise<boolean> {
    let created = 0;
    let replaced = false;
    for (const [labId, plan] of plans) {
      const wanted = plan.nat.map((r) => natBody(r, ids));
      const mine = current.filter((r) => labOf(r) === labId);
      const unmatchedMine = [...mine];
      const toMake: NsxtNatRule[] = [];
      for (const rule of wanted) {
        const index = unmatchedMine.findIndex((r) => natKey(r) === natKey(rule));
        if (index >= 0) {
          unmatchedMine.splice(index, 1);
        } else {
          toMake.push(rule);
        }
      }
      for (const rule of toMake) {
        // Same tag, other content (the VM's address moved): update in place, with the version we read.
        const index = unmatchedMine.findIndex((r) => r.name === rule.name && r.id !== undefined);
        const old = index >= 0 ? unmatchedMine.splice(index, 1)[0] : undefined;
        if (old?.id !== undefined) {
          await this.options.api.write('PUT', `${API}/edgeGateways/${enc(edgeId)}/nat/rules/${enc(old.id)}`, {
            ...rule,
            id: old.id,
            ...(old.version !== undefined ? { version: old.version } : {}),
          });
          replaced = true;
        } else {
          await this.options.api.write('POST', `${API}/edgeGateways/${enc(edgeId)}/nat/rules`, rule);
          created += 1;
        }
      }
      for (const old of unmatchedMine) {
        if (old.id !== undefined) {
          await this.deleteIgnoringGone(`${API}/edgeGateways/${enc(edgeId)}/nat/rules/${enc(old.id)}`);
          replaced = true;
        }
      }
    }
    if (created > 0) {
      this.options.logger.debug({ edgeId, created }, 'NAT rules created');
    }
    return replaced;
  }

  /**
   * Read-modify-write of the whole user-defined firewall list; skipped (undefined) when it already is as wanted.
   * `dropped`: a rule of a changed lab left the list (a port profile or IP set may have lost its last user).
   */
  private async applyFirewall(
    edgeId: string,
    plans: Map<string, LabPlan>,
    ids: Ids,
    current: NsxtFirewallRule[],
  ): Promise<{ dropped: boolean } | undefined> {
    const changed = new Set(plans.keys());
    const wanted = [...plans.values()].flatMap((p) => p.firewall.map((r) => firewallBody(r, ids)));
    const next = mergeFirewall(current, changed, wanted);
    if (JSON.stringify(next.map(firewallKey)) === JSON.stringify(current.map(firewallKey))) {
      return undefined;
    }
    await this.options.api.write('PUT', `${API}/edgeGateways/${enc(edgeId)}/firewall/rules`, {
      userDefinedRules: next,
    });
    const kept = new Set(next.map((r) => r.id).filter((id) => id !== undefined));
    const dropped = current.some(
      (r) => changed.has(labOf(r) ?? '') && (r.id === undefined || !kept.has(r.id)),
    );
    return { dropped };
  }

  /** Labs whose firewall rules the edge does not hold as wanted, read back after the whole-list write. */
  private async verifyFirewall(edgeId: string, plans: Map<string, LabPlan>, ids: Ids): Promise<string[]> {
    const firewall = await this.getFirewall(edgeId);
    const sorted = (keys: string[]): string => JSON.stringify(keys.sort());
    return [...plans]
      .filter(
        ([labId, plan]) =>
          sorted(firewall.filter((r) => labOf(r) === labId).map(firewallKey)) !==
          sorted(plan.firewall.map((r) => firewallKey(firewallBody(r, ids)))),
      )
      .map(([labId]) => labId);
  }

  /**
   * Deletes the changed labs' IP sets that no rule needs now (known from the round's read: sets created in it are
   * needed), and, when a rule of theirs was replaced or dropped, labbot's port profiles no rule on the edge uses (read
   * fresh: profiles are the org's). A deploy that only adds reads nothing more. A profile another edge's rule still
   * uses is refused by VCD; that refusal is logged and the profile stays.
   */
  private async removeUnused(
    edge: NsxtEdgeGateway,
    plans: Map<string, LabPlan>,
    outcome: RoundOutcome,
  ): Promise<void> {
    const needed = setsNeeded(plans.values());
    const stale = outcome.setsRead.filter((set) => {
      const labId = labOf(set);
      return labId !== undefined && plans.has(labId) && !needed.has(set.name);
    });
    for (const set of stale) {
      await this.deleteIgnoringGone(`${API}/firewallGroups/${enc(set.id)}`);
    }
    if (!outcome.referencesMayBeUnused) {
      return;
    }
    const [nat, firewall, profiles] = await Promise.all([
      this.listNat(edge.id),
      this.getFirewall(edge.id),
      this.listProfiles(),
    ]);
    const used = new Set([
      ...nat.map((r) => r.applicationPortProfile?.id),
      ...firewall.flatMap((r) => (r.applicationPortProfiles ?? []).map((p) => p.id)),
    ]);
    for (const profile of profiles.values()) {
      if (!used.has(profile.id)) {
        try {
          await this.deleteIgnoringGone(`${API}/applicationPortProfiles/${enc(profile.id)}`);
        } catch (error) {
          if (!(error instanceof VcdApiError)) {
            throw error;
          }
          this.options.logger.warn({ profile: profile.name, reason: error.message }, 'Port profile kept');
        }
      }
    }
  }

  private async deleteIgnoringGone(path: string): Promise<void> {
    try {
      await this.options.api.write('DELETE', path);
    } catch (error) {
      if (!(error instanceof VcdNotFoundError)) {
        throw error;
      }
    }
  }

  private listNat(edgeId: string): Promise<NsxtNatRule[]> {
    return this.options.api.list(`${API}/edgeGateways/${enc(edgeId)}/nat/rules`, readNatRule);
  }

  private getFirewall(edgeId: string): Promise<NsxtFirewallRule[]> {
    return this.options.api.get(`${API}/edgeGateways/${enc(edgeId)}/firewall/rules`, readFirewallRules);
  }

  /** labbot's port profiles (TENANT scope, named `labbot-<proto>-<port>`), by name. */
  private async listProfiles(): Promise<Map<string, NsxtPortProfile>> {
    const profiles = await this.options.api.list(`${API}/applicationPortProfiles`, readPortProfile, {
      filter: 'scope==TENANT',
    });
    return new Map(
      profiles.filter((p) => portKeyOfProfile(p.name) !== undefined).map((p) => [p.name, p] as const),
    );
  }

  /** The edge's IP sets that carry a lab's tag, as summaries (no addresses). */
  private async setSummaries(edgeId: string): Promise<NsxtFirewallGroup[]> {
    const summaries = await this.options.api.list(`${API}/firewallGroups/summaries`, readFirewallGroup, {
      filter: `ownerRef.id==${edgeId}`,
    });
    return summaries.filter(
      (g) => labOf(g) !== undefined && (g.ownerRef === undefined || g.ownerRef.id === edgeId),
    );
  }

  /**
   * The edge's IP sets tagged for one of `labs`, with their addresses. Only those labs' sets are read in full: the
   * summaries carry no addresses, and reading every lab's set would make each deploy cost one call per lab on the edge.
   */
  private async listSets(edgeId: string, labs: ReadonlySet<string>): Promise<NsxtFirewallGroup[]> {
    const ours = (await this.setSummaries(edgeId)).filter((g) => labs.has(labOf(g) ?? ''));
    const details: NsxtFirewallGroup[] = [];
    for (const group of ours) {
      try {
        details.push(
          await this.options.api.get(
            `${API}/firewallGroups/${enc(group.id)}`,
            (json) => readFirewallGroup(json) ?? group,
          ),
        );
      } catch (error) {
        if (!(error instanceof VcdNotFoundError)) {
          throw error;
        }
      }
    }
    return details;
  }

  /** Floating IP allocations of the IP Spaces behind an IP-Space edge; empty for other edges. */
  private async listAllocations(edgeId: string): Promise<IpSpaceAllocation[]> {
    const edge = await this.options.edge(edgeId);
    if (!usesIpSpace(edge)) {
      return [];
    }
    const all: IpSpaceAllocation[] = [];
    for (const space of await this.spacesOf(edgeId, undefined)) {
      all.push(...(await this.allocations(space)));
    }
    return all;
  }

  private allocations(space: IpSpaceRef): Promise<IpSpaceAllocation[]> {
    return this.options.api.list(`${API}/ipSpaces/${enc(space.id)}/allocations`, readIpSpaceAllocation, {
      filter: 'type==FLOATING_IP',
    });
  }

  /** The IP Spaces the org can use (only those holding `ip` when given). */
  private async spacesOf(edgeId: string, ip: string | undefined): Promise<IpSpaceRef[]> {
    const summaries = await this.options.api.list(`${API}/ipSpaces/summaries`, (v) => readIpSpace(v));
    const spaces: IpSpaceRef[] = [];
    for (const summary of summaries) {
      const known = this.ipSpaces.get(summary.id);
      const space =
        known ??
        (await this.options.api.get(
          `${API}/ipSpaces/${enc(summary.id)}`,
          (json) => readIpSpace(json) ?? summary,
        ));
      this.ipSpaces.set(space.id, space);
      if (
        ip === undefined ||
        space.ranges.some((r) => inRange(ip, { start: r.startAddress, end: r.endAddress }))
      ) {
        spaces.push(space);
      }
    }
    this.options.logger.debug({ edgeId, spaces: spaces.map((s) => s.name) }, 'IP Spaces of the edge');
    return spaces;
  }

  /** The IP Space `ip` comes from, on an IP-Space edge; undefined on other edges. */
  private async ipSpaceFor(edgeId: string, ip: string): Promise<IpSpaceRef | undefined> {
    const edge = await this.options.edge(edgeId);
    if (!usesIpSpace(edge)) {
      return undefined;
    }
    const space = (await this.spacesOf(edgeId, ip))[0];
    if (space === undefined) {
      throw new VcdApiError({
        minorErrorCode: 'NO_IP_SPACE',
        message: `no IP Space of the org holds ${ip}; set edge.publicIps to addresses of the IP Space behind ${edge.name}'s uplink`,
      });
    }
    return space;
  }
}

/** The public side of a NAT rule: external address (DNAT and SNAT alike on NSX-T). */
function publicSide(rule: NsxtNatRule): string {
  return rule.externalAddresses;
}

export function usesIpSpace(edge: NsxtEdgeGateway): boolean {
  return edge.uplinks.some((u) => u.usingIpSpace);
}
