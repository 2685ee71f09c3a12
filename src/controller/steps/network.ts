import { LabNetworkError } from '../../labs/errors';
import { type Lab } from '../../labs/lab';
import {
  buildLabEdgeRules,
  esxiNicSpecs,
  findEsxiVms,
  initialLabNetwork,
  NO_EDGE_RULES,
} from '../../labs/lab-network';
import { type LabPolicy, type TemplateNetworkPolicy } from '../../labs/policy';
import { type ControllerContext } from '../controller-context';

/*
 * The networking steps of templates with a `network` block (phase `networking`), one part per step so that a restart
 * resumes the right one: NICs of the ESXi VMs, a public IP, the edge rules; and on teardown, releasing them first.
 */

/**
 * Gives each ESXi VM its NICs, one VM per step (each change is a task the lab records, so a restart waits for it
 * rather than repeating it); once every VM has them, reads back MACs, networks and IPs into the lab.
 */
export async function configureNics(ctx: ControllerContext, lab: Lab): Promise<void> {
  const policy = await networkPolicy(ctx, lab);
  const network = lab.network ?? initialLabNetwork(policy, edgePolicy(ctx).gateway);
  const vapp = await ctx.deps.cloud.getVApp(ctx.href(lab));
  if (!vapp) {
    throw new Error(`vApp ${lab.vappName} disappeared before its NICs were configured`);
  }
  for (const vm of findEsxiVms(policy, vapp.vms)) {
    const task = await ctx.deps.cloud.configureNics(vm.href, esxiNicSpecs(policy));
    if (task !== undefined) {
      await ctx.save({ ...lab, network, taskHref: task.href });
      return;
    }
  }
  await ctx.save({ ...lab, vms: vapp.vms, network: { ...network, nicsConfigured: true } });
}

/** Gives the lab a public IP from the configured pool (the pool's row first, then the edge's allocation). */
export async function allocateIp(ctx: ControllerContext, lab: Lab): Promise<void> {
  const { cloud } = ctx.deps;
  const edge = edgePolicy(ctx);
  const inUse = await cloud.edgeAddressesInUse(edge.gateway, lab.id);
  // The pool's row is the record: written before the cloud allocates anything, so a crash between the two is
  // resumed with the same address (claimPublicIp is idempotent) and never leaves an allocation nobody knows.
  const ip = await ctx.publicIps.allocate(lab.id, edge.publicIps, inUse);
  await cloud.claimPublicIp(edge.gateway, lab.id, ip);
  await ctx.save({ ...lab, network: { ...labNetwork(lab), publicIp: ip } });
}

/** Puts the lab's NAT and firewall rules, tagged with its id, on the edge; records what users can reach. */
export async function applyEdgeRules(ctx: ControllerContext, lab: Lab): Promise<void> {
  const { cloud } = ctx.deps;
  const network = labNetwork(lab);
  if (network.publicIp === undefined) {
    throw new Error(`lab ${lab.id} has no public IP yet`);
  }
  const { rules, access } = buildLabEdgeRules(await networkPolicy(ctx, lab), network.publicIp, lab.vms);
  await cloud.setLabEdgeRules(network.edge, lab.id, rules);
  await ctx.save({ ...lab, network: { ...network, rulesApplied: true, access } });
  await ctx.record(lab.id, 'edge-rules', `public IP ${network.publicIp} on ${network.edge}`);
}

/** Removes the lab's edge rules (by tag, so also ones a crash left unrecorded) and returns its public IP. */
export async function releaseNetwork(ctx: ControllerContext, lab: Lab): Promise<void> {
  const network = labNetwork(lab);
  if (network.publicIp !== undefined || network.rulesApplied) {
    await ctx.deps.cloud.setLabEdgeRules(network.edge, lab.id, NO_EDGE_RULES);
  }
  // Always: an allocation a crash left unrecorded on the lab is still found by its lab id.
  const held = network.publicIp ?? (await ctx.publicIps.list()).find((a) => a.labId === lab.id)?.ip;
  await ctx.deps.cloud.releasePublicIp(network.edge, lab.id, held);
  await ctx.publicIps.release(lab.id);
  const { publicIp, ...rest } = network;
  await ctx.save({ ...lab, network: { ...rest, rulesApplied: false, released: true } });
  await ctx.record(
    lab.id,
    'release-network',
    publicIp !== undefined ? `edge rules removed, public IP ${publicIp} returned` : 'nothing on the edge',
  );
}

function labNetwork(lab: Lab): NonNullable<Lab['network']> {
  if (lab.network === undefined) {
    throw new Error(`lab ${lab.id} has no network state`);
  }
  return lab.network;
}

async function networkPolicy(ctx: ControllerContext, lab: Lab): Promise<TemplateNetworkPolicy> {
  // Captured templates inherit their base's network block (labs/templates.ts).
  const network = (await ctx.templates()).find((t) => t.key === lab.template)?.network;
  if (network === undefined) {
    throw new LabNetworkError(`template ${lab.template} no longer has a network block in the configuration`);
  }
  return network;
}

function edgePolicy(ctx: ControllerContext): NonNullable<LabPolicy['edge']> {
  const edge = ctx.deps.policy.edge;
  if (edge === undefined) {
    throw new LabNetworkError('no edge gateway is configured (edge in labbot.yml)');
  }
  return edge;
}
