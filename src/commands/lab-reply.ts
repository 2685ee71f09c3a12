import { costSoFar, formatUsd, hourlyRate } from '../labs/cost';
import { formatMinutes } from '../labs/duration';
import { isTerminal, type Lab, type LabPhase } from '../labs/lab';
import { macMappingScripts } from '../labs/esxi-script';
import { vmnicTable } from '../labs/lab-network';
import { type Rates } from '../labs/policy';
import { formatReadyTime } from '../labs/ready-time';
import { type LabEvent } from '../labs/ports';
import { LAB_ACTION, type LabActionId } from './lab-action-ids';
import { type Field, type Reply, type ReplyAction, type Section } from './reply';

/** Words for each phase, as users read them. */
const PHASE_WORDS: Record<LabPhase, string> = {
  requested: 'requested',
  deploying: 'deploying…',
  configuring: 'configuring…',
  networking: 'wiring networks…',
  starting: 'powering on…',
  ready: 'ready',
  suspending: 'suspending…',
  suspended: 'suspended',
  resuming: 'resuming…',
  deleting: 'tearing down…',
  deleted: 'deleted',
  failed: 'failed',
  capturing: 'capturing to the catalog…',
  scheduled: 'scheduled',
};

export interface LabViewContext {
  now: Date;
  rates: Rates;
  /** The embedded simulator: every lab message says so. */
  simulated: boolean;
  /** Who will read the reply, when only they will (an ephemeral answer); the owner then sees owner-only details. */
  viewer?: string;
  /** The reader's IANA time zone, for a scheduled lab's ready-by time; absent: UTC. */
  timeZone?: string;
  /** Public base URL of labbot's HTTP endpoints, for the keep-alive URL. */
  publicUrl?: string;
  /**
   * Leave out how to reach the lab (public IP, access URLs and ports, jump host, MACs, IPs, keep-alive URL): the
   * reader is neither its owner nor an admin (LabService.mayAccess).
   */
  hideAccess?: boolean;
}

/** The lab's state in words, e.g. `ready` or `tearing down…`. */
export function phaseWords(lab: Pick<Lab, 'phase' | 'desired'>): string {
  if (lab.desired === 'deleted' && lab.phase !== 'deleted' && lab.phase !== 'failed') {
    return PHASE_WORDS.deleting;
  }
  return PHASE_WORDS[lab.phase];
}

/** `Thu 3 Dec 14:00 CET (deploy starts 13:38 UTC)`: when a scheduled lab will be ready, in the reader's zone. */
export function readyByWords(
  lab: Pick<Lab, 'readyBy' | 'deployAt' | 'phase'>,
  context: Pick<LabViewContext, 'timeZone'>,
): string {
  const zone = context.timeZone ?? 'UTC';
  const readyBy = lab.readyBy === undefined ? '' : formatReadyTime(lab.readyBy, zone);
  return lab.phase === 'scheduled' && lab.deployAt !== undefined
    ? `${readyBy} (deploy starts ${formatReadyTime(lab.deployAt, zone)})`
    : readyBy;
}

/** The full message about one lab: state, what it is, how to reach it, what it costs, and its buttons. */
export function labReply(lab: Lab, context: LabViewContext, event?: LabEvent): Reply {
  const rate =
    lab.phase === 'suspended'
      ? hourlyRate(lab.spec, context.rates).storage
      : hourlyRate(lab.spec, context.rates).total;
  const cost = costSoFar(lab, context.now, context.rates);
  const fields: Field[] = [
    { label: 'State', value: [phaseWords(lab)] },
    { label: 'Owner', value: [{ user: lab.owner }] },
    { label: 'Template', value: [lab.template] },
    { label: 'vApp', value: [{ code: lab.vappName }] },
    {
      label: 'Cost',
      value: [
        `${formatUsd(cost)} so far, ${formatUsd(rate)}/h${lab.phase === 'suspended' ? ' (suspended: storage only)' : ''}`,
      ],
    },
    { label: 'Expires', value: [expiryWords(lab, context.now)] },
  ];
  if (lab.ticket !== undefined) {
    fields.splice(2, 0, { label: 'Ticket', value: [lab.ticket] });
  }
  if (lab.readyBy !== undefined && lab.readyAt === undefined && !isTerminal(lab)) {
    fields.splice(1, 0, { label: 'Ready by', value: [readyByWords(lab, context)] });
  }

  const sections: Section[] = [{ type: 'fields', fields }];
  if (event?.type === 'failed' || (lab.phase === 'failed' && lab.failureReason)) {
    sections.push({
      type: 'text',
      text: [{ bold: 'Failed: ' }, event?.type === 'failed' ? event.reason : (lab.failureReason ?? '')],
    });
  }
  if (event?.type === 'captured') {
    sections.push({
      type: 'text',
      text: [
        { bold: 'Captured: ' },
        `the lab is now template ${event.template}; deploy it with `,
        { code: `/lab demo ${event.template}` },
        '.',
      ],
    });
  } else if (event?.type === 'capture-failed') {
    sections.push({
      type: 'text',
      text: [
        { bold: 'Capture failed: ' },
        `${event.reason}. Nothing was registered as ${event.template}; the lab is back as it was.`,
      ],
    });
  }
  const access = context.hideAccess === true ? [] : accessSections(lab);
  if (lab.vms.length > 0 && context.hideAccess === true) {
    sections.push({
      type: 'table',
      columns: ['VM', 'power', 'vCPU', 'RAM'],
      rows: lab.vms.map((vm) => [
        vm.name,
        vm.powerState.replace('_', ' '),
        String(vm.cpus),
        `${Math.round(vm.memoryMb / 1024)} GB`,
      ]),
    });
  } else if (lab.vms.length > 0 && access.some((section) => section.type === 'table')) {
    // The vmnic table below lists the ESXi hosts' NICs; repeating every MAC here would only make the reply longer.
    sections.push({
      type: 'table',
      columns: ['VM', 'power', 'vCPU', 'RAM', 'IP'],
      rows: lab.vms.map((vm) => [
        vm.name,
        vm.powerState.replace('_', ' '),
        String(vm.cpus),
        `${Math.round(vm.memoryMb / 1024)} GB`,
        vm.nics
          .map((nic) => nic.ipAddress)
          .filter((ip) => ip !== undefined && ip !== '')
          .join(', '),
      ]),
    });
  } else if (lab.vms.length > 0) {
    sections.push({
      type: 'table',
      columns: ['VM', 'power', 'vCPU', 'RAM', 'NIC', 'network', 'MAC', 'IP'],
      rows: lab.vms.flatMap((vm) =>
        (vm.nics.length > 0 ? vm.nics : [undefined]).map((nic, i) => [
          i === 0 ? vm.name : '',
          i === 0 ? vm.powerState.replace('_', ' ') : '',
          i === 0 ? String(vm.cpus) : '',
          i === 0 ? `${Math.round(vm.memoryMb / 1024)} GB` : '',
          nic ? `vmnic${nic.index}` : '',
          nic?.network ?? '',
          nic?.mac ?? '',
          nic?.ipAddress ?? '',
        ]),
      ),
    });
  }
  sections.push(...access);
  if (context.hideAccess === true) {
    sections.push({
      type: 'context',
      text: ['How to reach this lab (addresses, URLs, MACs) is shown to its owner and labbot admins only.'],
    });
  }
  if (
    context.hideAccess !== true &&
    context.viewer === lab.owner &&
    context.publicUrl !== undefined &&
    lab.keepaliveToken !== undefined &&
    !isTerminal(lab)
  ) {
    const url = `${context.publicUrl.replace(/\/+$/, '')}/labs/${lab.id}/keepalive?token=${lab.keepaliveToken}`;
    sections.push({
      type: 'text',
      text: [
        'Keep-alive (only you see this): have a script in the lab call ',
        { code: `curl -fsS '${url}'` },
        ' every few minutes while you use it.',
      ],
    });
  }
  const context_: string[] = [`lab ${lab.id}`];
  if (context.simulated) {
    context_.push('simulated VCD: nothing real was deployed');
  }
  sections.push({ type: 'context', text: [context_.join(' · ')] });
  const actions = labActions(lab);
  if (actions.length > 0) {
    sections.push({ type: 'actions', actions });
  }

  return {
    visibility: 'channel',
    tone: lab.phase === 'failed' ? 'error' : lab.phase === 'ready' ? 'success' : 'progress',
    title: `Lab ${lab.id}: ${phaseWords(lab)}`,
    sections,
  };
}

/** The 1:1 rule of nested ESXi behind a cloud without promiscuous mode, as the owner must apply it. */
export const MAC_MAPPING_INSTRUCTION =
  'Nested VM n takes the MAC of vmnic n (one nested VM per port group): the cloud has no promiscuous mode, ' +
  'so frames from any other MAC are dropped.';

/**
 * How to reach a lab with networking: its public IP, each access URL or port with where it leads and who may use
 * it, the jump host, and the vmnic MAC table of its ESXi host(s) with the 1:1 instruction. Nothing once the lab's
 * edge rules are gone or before its NICs are known.
 */
export function accessSections(lab: Lab): Section[] {
  const network = lab.network;
  if (network === undefined || network.released || isTerminal(lab)) {
    return [];
  }
  const sections: Section[] = [];
  const ip = network.publicIp;
  if (ip !== undefined && network.rulesApplied) {
    sections.push({ type: 'text', text: [{ bold: 'Access' }, ' through public IP ', { code: ip }] });
    if (network.access.length > 0) {
      sections.push({
        type: 'list',
        items: network.access.map((a) => [
          { code: a.url ?? `${ip}:${a.publicPort}/${a.protocol}` },
          ` → ${a.vm}:${a.port} (${a.name}), from ${a.allow.join(', ')}`,
        ]),
      });
    }
  }
  if (network.jumpHost !== undefined) {
    const ways = network.access.filter((a) => a.vm === network.jumpHost);
    sections.push({
      type: 'text',
      text: [
        'Jump host: ',
        { code: network.jumpHost },
        ...(ways.length > 0 && ip !== undefined
          ? [' at ', { code: `${ip}:${ways.map((w) => w.publicPort).join(', ')}` }]
          : []),
      ],
    });
  }
  const rows = vmnicTable(lab);
  if (rows.length > 0) {
    const hosts = new Set(rows.map((r) => r.host)).size;
    sections.push({
      type: 'table',
      columns: [...(hosts > 1 ? ['ESXi host'] : []), 'vmnic', 'MAC', 'network', 'IP', 'adapter'],
      rows: rows.map((r) => [...(hosts > 1 ? [r.host] : []), r.vmnic, r.mac, r.network, r.ip, r.adapter]),
    });
    sections.push({ type: 'context', text: [MAC_MAPPING_INSTRUCTION] });
    if (macMappingScripts(lab).length > 0) {
      sections.push({
        type: 'context',
        text: ['The esxcli script that does it in each host: ', { code: `/lab status ${lab.id} script` }],
      });
    }
  }
  return sections;
}

/** The scripts reply when the lab has any host script, else undefined (for the ready DM). Pure. */
export function scriptReplyIfAny(lab: Lab): Reply | undefined {
  return macMappingScripts(lab).length > 0 ? scriptReply(lab) : undefined;
}

/**
 * `/lab status LAB script`: per ESXi host, the script that sets up the 1:1 MAC mapping inside it (esxi-script.ts),
 * as a code block to copy. Says why when there is none yet. Pure.
 */
export function scriptReply(lab: Lab): Reply {
  const scripts = macMappingScripts(lab);
  if (scripts.length === 0) {
    return {
      visibility: 'ephemeral',
      tone: 'info',
      title: `Lab ${lab.id}: no host script`,
      sections: [
        {
          type: 'text',
          text: [
            lab.network === undefined
              ? 'Its template has no network block, so labbot did not wire its ESXi hosts.'
              : 'Its ESXi hosts have no VM-network vmnics with a MAC yet; ask again once the lab is ready.',
          ],
        },
      ],
    };
  }
  return {
    visibility: 'ephemeral',
    tone: 'info',
    title: `Lab ${lab.id}: 1:1 MAC mapping script${scripts.length > 1 ? 's' : ''}`,
    sections: scripts.flatMap(({ host, script }): Section[] => [
      { type: 'text', text: ['ESXi host ', { code: host }, ': run in its shell (SSH or ESXi Shell)'] },
      { type: 'code', text: script },
    ]),
  };
}

/** One line per lab, for `/lab list`. */
export function labLine(lab: Lab, context: LabViewContext): string {
  const rate = hourlyRate(lab.spec, context.rates);
  const cost = costSoFar(lab, context.now, context.rates);
  const state =
    lab.readyBy !== undefined && lab.readyAt === undefined && !isTerminal(lab) && lab.desired !== 'deleted'
      ? `${phaseWords(lab)}, ready by ${readyByWords(lab, context)}`
      : phaseWords(lab);
  return `${lab.id}  ${state}  ${lab.template}  ${formatUsd(cost)} so far, ${formatUsd(rate.total)}/h  ${expiryWords(lab, context.now)}`;
}

/** When the lab expires (`in 3h 20m`, `expired`) or ended, in words. */
export function expiryWords(lab: Lab, now: Date): string {
  if (lab.endedAt) {
    return `ended ${lab.endedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  }
  const minutes = (lab.expiresAt.getTime() - now.getTime()) / 60_000;
  return minutes > 0 ? `in ${formatMinutes(minutes)}` : 'expired';
}

/**
 * The buttons of a lab, in the order people use them: Extend, then Suspend (when it runs) or Resume (when it is
 * suspended), then Tear down, which asks for confirmation. None once the lab is going or gone.
 */
export function labActions(lab: Lab): ReplyAction[] {
  if (lab.desired === 'deleted' || lab.phase === 'deleted' || lab.phase === 'failed') {
    return [];
  }
  const button = (id: LabActionId, label: string): ReplyAction => ({ id, label, value: lab.id });
  const actions: ReplyAction[] = [button(LAB_ACTION.extend, 'Extend')];
  if (lab.desired === 'suspended') {
    actions.push(button(LAB_ACTION.resume, 'Resume'));
  } else if (lab.phase === 'ready') {
    actions.push(button(LAB_ACTION.suspend, 'Suspend'));
  }
  if (lab.phase === 'scheduled') {
    // Nothing exists in the cloud yet: tearing down just drops the schedule, and says so.
    actions.push({
      ...button(LAB_ACTION.teardown, 'Cancel'),
      style: 'danger',
      confirm: {
        title: `Cancel ${lab.id}?`,
        text: 'Nothing has been deployed yet; the scheduled lab is dropped.',
        confirm: 'Cancel the lab',
        deny: 'Keep it',
      },
    });
    return actions;
  }
  actions.push({
    ...button(LAB_ACTION.teardown, 'Tear down'),
    style: 'danger',
    confirm: {
      title: `Tear down ${lab.id}?`,
      text: 'The vApp and everything in it will be deleted.',
      confirm: 'Tear down',
      deny: 'Keep it',
    },
  });
  return actions;
}
