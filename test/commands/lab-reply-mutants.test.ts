/**
 * The lab message (commands/lab-reply.ts) as the owner, a bystander and the list read it: which fields, in which
 * order, which sections and buttons, with the exact words, for every branch the mutation report showed unpinned.
 */
import {
  accessSections,
  expiryWords,
  labActions,
  labLine,
  labReply,
  MAC_MAPPING_INSTRUCTION,
  phaseWords,
  readyByWords,
  scriptReply,
  scriptReplyIfAny,
  type LabViewContext,
} from '../../src/commands/lab-reply';
import { type Field, type Reply, type Section } from '../../src/commands/reply';
import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { type Lab, type LabNetwork, type NicInfo, type VmInfo } from '../../src/labs/lab';
import { labIn } from '../helpers/labs';
import { replyText } from '../helpers/reply-text';

const NOW = new Date('2025-03-04T06:06:07.089Z');
const context: LabViewContext = { now: NOW, rates: DEFAULT_POLICY.rates, simulated: false };

/**
 * A lab created an hour before NOW that was powered on for two hours' worth: with the default rates, 8 vCPU and
 * 32 GB cost $0.344/h and 730 GB $0.08/h, so it runs at $0.42/h, $0.08/h suspended, and has cost $0.77.
 */
function lab(phase: Lab['phase'], overrides: Partial<Lab> = {}): Lab {
  return labIn(phase, {
    spec: { vcpus: 8, memoryGb: 32, storageGb: 730 },
    poweredOnMs: 2 * 3600_000,
    createdAt: new Date('2025-03-04T05:06:07.089Z'),
    expiresAt: new Date('2025-03-04T09:06:07.089Z'),
    ...overrides,
  });
}

function nic(index: number, overrides: Partial<NicInfo> = {}): NicInfo {
  return {
    index,
    network: index === 0 ? 'Management' : 'VM Network',
    mac: `00:50:56:00:00:0${index}`,
    connected: true,
    ...overrides,
  };
}

function vm(name: string, nics: NicInfo[], overrides: Partial<VmInfo> = {}): VmInfo {
  return {
    name,
    href: `https://vcd/api/vApp/vm-${name}`,
    powerState: 'powered_on',
    cpus: 4,
    memoryMb: 16384,
    nics,
    ...overrides,
  };
}

function network(overrides: Partial<LabNetwork> = {}): LabNetwork {
  return {
    edge: 'edge-01',
    esxiVms: ['esxi-01'],
    nicsConfigured: true,
    publicIp: '203.0.113.10',
    rulesApplied: true,
    access: [],
    released: false,
    ...overrides,
  };
}

const fieldsOf = (reply: Reply): Field[] => {
  const section = reply.sections.find((s) => s.type === 'fields');
  return section?.type === 'fields' ? section.fields : [];
};
const labels = (reply: Reply): string[] => fieldsOf(reply).map((f) => f.label);
const field = (reply: Reply, label: string): Field['value'] | undefined =>
  fieldsOf(reply).find((f) => f.label === label)?.value;
const ofType = <T extends Section['type']>(sections: Section[], type: T): Extract<Section, { type: T }>[] =>
  sections.filter((s): s is Extract<Section, { type: T }> => s.type === type);

describe('commands/lab-reply: the lab message', () => {
  it('shows a ready lab with its fields in order, its full rate, its buttons and a success tone', () => {
    const reply = labReply(lab('ready'), context);

    expect(reply.visibility).toBe('channel');
    expect(reply.tone).toBe('success');
    expect(reply.title).toBe('Lab demo-4kq: ready');
    expect(fieldsOf(reply)).toEqual([
      { label: 'State', value: ['ready'] },
      { label: 'Owner', value: [{ user: 'U_ALICE' }] },
      { label: 'Template', value: ['esxi8-basic'] },
      { label: 'vApp', value: [{ code: 'lab-demo-4kq' }] },
      { label: 'Cost', value: ['$0.77 so far, $0.42/h'] },
      { label: 'Expires', value: ['in 3h'] },
    ]);
    expect(ofType(reply.sections, 'context')).toEqual([{ type: 'context', text: ['lab demo-4kq'] }]);
    expect(ofType(reply.sections, 'actions')[0]?.actions.map((a) => [a.id, a.label, a.value])).toEqual([
      ['lab_extend', 'Extend', 'demo-4kq'],
      ['lab_suspend', 'Suspend', 'demo-4kq'],
      ['lab_teardown', 'Tear down', 'demo-4kq'],
    ]);
    // Nothing else: no failure, capture, table, access or keep-alive section.
    expect(reply.sections.map((s) => s.type)).toEqual(['fields', 'context', 'actions']);
  });

  it('bills a suspended lab at its storage rate and says so; a lab on its way is in progress', () => {
    const suspended = labReply(lab('suspended', { desired: 'suspended' }), context);
    expect(field(suspended, 'Cost')).toEqual(['$0.77 so far, $0.08/h (suspended: storage only)']);
    expect(suspended.tone).toBe('progress');
    expect(suspended.title).toBe('Lab demo-4kq: suspended');
    expect(field(labReply(lab('deploying'), context), 'Cost')).toEqual(['$0.77 so far, $0.42/h']);
    expect(labReply(lab('deploying'), context).tone).toBe('progress');
  });

  it('puts the ticket after the owner, and the ready-by time second while the lab is not ready yet', () => {
    const scheduled = lab('scheduled', {
      ticket: 'SUP-12',
      readyBy: new Date('2025-03-04T14:00:00Z'),
      deployAt: new Date('2025-03-04T13:38:00Z'),
    });
    const reply = labReply(scheduled, { ...context, timeZone: 'Europe/Paris' });

    expect(labels(reply)).toEqual([
      'State',
      'Ready by',
      'Owner',
      'Ticket',
      'Template',
      'vApp',
      'Cost',
      'Expires',
    ]);
    expect(field(reply, 'Ticket')).toEqual(['SUP-12']);
    expect(field(reply, 'Ready by')).toEqual(['Tue 4 Mar 15:00 CET (deploy starts Tue 4 Mar 14:38 CET)']);
  });

  it('leaves the ready-by time out once the lab was ready, or ended', () => {
    const readyBy = new Date('2025-03-04T14:00:00Z');
    expect(labels(labReply(lab('ready', { readyBy, readyAt: NOW }), context))).not.toContain('Ready by');
    expect(labels(labReply(lab('failed', { readyBy }), context))).not.toContain('Ready by');
    expect(labels(labReply(lab('deploying', { readyBy }), context))).toContain('Ready by');
  });

  it('says why a lab failed, from the event or the recorded reason, and then offers no button', () => {
    const failed = lab('failed', { failureReason: 'quota exceeded' });
    const reply = labReply(failed, context);
    expect(reply.tone).toBe('error');
    expect(ofType(reply.sections, 'text')).toEqual([
      { type: 'text', text: [{ bold: 'Failed: ' }, 'quota exceeded'] },
    ]);
    expect(ofType(reply.sections, 'actions')).toEqual([]);

    const fromEvent = labReply(lab('deleting'), context, { type: 'failed', reason: 'deploy timed out' });
    expect(ofType(fromEvent.sections, 'text')).toEqual([
      { type: 'text', text: [{ bold: 'Failed: ' }, 'deploy timed out'] },
    ]);
    // A failed lab with no recorded reason says nothing it does not know.
    expect(ofType(labReply(lab('failed'), context).sections, 'text')).toEqual([]);
    expect(ofType(labReply(lab('ready', { failureReason: 'old' }), context).sections, 'text')).toEqual([]);
  });

  it('tells the owner what a capture became, or why it failed', () => {
    const captured = labReply(lab('ready'), context, { type: 'captured', template: 'mytpl' });
    expect(ofType(captured.sections, 'text')).toEqual([
      {
        type: 'text',
        text: [
          { bold: 'Captured: ' },
          'the lab is now template mytpl; deploy it with ',
          { code: '/lab demo mytpl' },
          '.',
        ],
      },
    ]);
    const failed = labReply(lab('ready'), context, {
      type: 'capture-failed',
      template: 'mytpl',
      reason: 'catalog full',
    });
    expect(ofType(failed.sections, 'text')).toEqual([
      {
        type: 'text',
        text: [
          { bold: 'Capture failed: ' },
          'catalog full. Nothing was registered as mytpl; the lab is back as it was.',
        ],
      },
    ]);
  });

  it('lists every NIC of a lab without networking, the VM’s own columns on its first NIC only', () => {
    const reply = labReply(
      lab('ready', {
        vms: [
          vm('esxi-01', [nic(1, { ipAddress: '10.0.0.2' }), nic(0)], {
            powerState: 'powered_off',
            memoryMb: 6656,
          }),
          vm('jump', [], { cpus: 1, memoryMb: 2048 }),
        ],
      }),
      context,
    );
    expect(ofType(reply.sections, 'table')).toEqual([
      {
        type: 'table',
        columns: ['VM', 'power', 'vCPU', 'RAM', 'NIC', 'network', 'MAC', 'IP'],
        rows: [
          ['esxi-01', 'powered off', '4', '7 GB', 'vmnic1', 'VM Network', '00:50:56:00:00:01', '10.0.0.2'],
          ['', '', '', '', 'vmnic0', 'Management', '00:50:56:00:00:00', ''],
          ['jump', 'powered on', '1', '2 GB', '', '', '', ''],
        ],
      },
    ]);
  });

  it('lists the VMs with their IPs beside the vmnic table of a networked lab', () => {
    const reply = labReply(
      lab('ready', {
        vms: [
          vm('esxi-01', [
            nic(0, { ipAddress: '10.0.0.1' }),
            nic(1, { ipAddress: '' }),
            nic(2, { ipAddress: '10.0.0.3' }),
          ]),
        ],
        network: network(),
      }),
      context,
    );
    const [vms, vmnics] = ofType(reply.sections, 'table');
    expect(vms).toEqual({
      type: 'table',
      columns: ['VM', 'power', 'vCPU', 'RAM', 'IP'],
      rows: [['esxi-01', 'powered on', '4', '16 GB', '10.0.0.1, 10.0.0.3']],
    });
    expect(vmnics?.columns).toEqual(['vmnic', 'MAC', 'network', 'IP', 'adapter']);
  });

  it('shows a bystander the VMs but not how to reach them, and says who can see that', () => {
    const reply = labReply(
      lab('ready', {
        vms: [vm('esxi-01', [nic(0, { ipAddress: '10.0.0.1' })], { powerState: 'powered_on' })],
        network: network(),
        keepaliveToken: 'tok',
      }),
      { ...context, hideAccess: true, viewer: 'U_ALICE', publicUrl: 'https://labbot.example.com' },
    );
    expect(ofType(reply.sections, 'table')).toEqual([
      {
        type: 'table',
        columns: ['VM', 'power', 'vCPU', 'RAM'],
        rows: [['esxi-01', 'powered on', '4', '16 GB']],
      },
    ]);
    expect(ofType(reply.sections, 'context').map((s) => s.text)).toEqual([
      ['How to reach this lab (addresses, URLs, MACs) is shown to its owner and labbot admins only.'],
      ['lab demo-4kq'],
    ]);
    expect(replyText(reply)).not.toContain('203.0.113.10');
    expect(replyText(reply)).not.toContain('keepalive');
    // Without VMs there is no table at all, but the note stays.
    const empty = labReply(lab('ready'), { ...context, hideAccess: true });
    expect(ofType(empty.sections, 'table')).toEqual([]);
    expect(replyText(empty)).toContain('is shown to its owner and labbot admins only');
  });

  it('gives the keep-alive URL to the owner of a live lab with a token when labbot has a public URL, only then', () => {
    const owned = lab('ready', { keepaliveToken: 'tok-1' });
    const ownerView = { ...context, viewer: 'U_ALICE', publicUrl: 'https://labbot.example.com//' };
    const keepalive = (reply: Reply): Section[] =>
      reply.sections.filter(
        (s) => s.type === 'text' && replyText({ ...reply, title: '', sections: [s] }).includes('Keep-alive'),
      );

    expect(keepalive(labReply(owned, ownerView))).toEqual([
      {
        type: 'text',
        text: [
          'Keep-alive (only you see this): have a script in the lab call ',
          { code: "curl -fsS 'https://labbot.example.com/labs/demo-4kq/keepalive?token=tok-1'" },
          ' every few minutes while you use it.',
        ],
      },
    ]);
    expect(keepalive(labReply(owned, { ...ownerView, viewer: 'U_BOB' }))).toEqual([]);
    expect(keepalive(labReply(owned, { ...context, viewer: 'U_ALICE' }))).toEqual([]);
    expect(keepalive(labReply(lab('ready'), ownerView))).toEqual([]);
    expect(keepalive(labReply({ ...owned, phase: 'deleted' }, ownerView))).toEqual([]);
  });

  it('says in the context line when the cloud is simulated', () => {
    expect(ofType(labReply(lab('ready'), { ...context, simulated: true }).sections, 'context')).toEqual([
      { type: 'context', text: ['lab demo-4kq · simulated VCD: nothing real was deployed'] },
    ]);
  });
});

describe('commands/lab-reply: state words and buttons', () => {
  it('words a lab being deleted as tearing down, until it has ended', () => {
    expect(phaseWords({ phase: 'ready', desired: 'deleted' })).toBe('tearing down…');
    expect(phaseWords({ phase: 'deleted', desired: 'deleted' })).toBe('deleted');
    expect(phaseWords({ phase: 'failed', desired: 'deleted' })).toBe('failed');
    expect(phaseWords({ phase: 'networking', desired: 'running' })).toBe('wiring networks…');
  });

  it('offers Extend, Resume and Tear down while a lab is suspended or on its way there', () => {
    expect(labActions(lab('suspending', { desired: 'suspended' })).map((a) => a.label)).toEqual([
      'Extend',
      'Resume',
      'Tear down',
    ]);
    expect(labActions(lab('resuming')).map((a) => a.label)).toEqual(['Extend', 'Tear down']);
  });

  it('asks before a teardown, and offers Cancel instead for a scheduled lab', () => {
    const [, , teardown] = labActions(lab('ready'));
    expect(teardown).toEqual({
      id: 'lab_teardown',
      label: 'Tear down',
      value: 'demo-4kq',
      style: 'danger',
      confirm: {
        title: 'Tear down demo-4kq?',
        text: 'The vApp and everything in it will be deleted.',
        confirm: 'Tear down',
        deny: 'Keep it',
      },
    });
    expect(labActions(lab('scheduled'))).toEqual([
      { id: 'lab_extend', label: 'Extend', value: 'demo-4kq' },
      {
        id: 'lab_teardown',
        label: 'Cancel',
        value: 'demo-4kq',
        style: 'danger',
        confirm: {
          title: 'Cancel demo-4kq?',
          text: 'Nothing has been deployed yet; the scheduled lab is dropped.',
          confirm: 'Cancel the lab',
          deny: 'Keep it',
        },
      },
    ]);
  });

  it('offers no button once a lab is going or gone', () => {
    expect(labActions(lab('ready', { desired: 'deleted' }))).toEqual([]);
    expect(labActions(lab('deleted', { desired: 'running' }))).toEqual([]);
    expect(labActions(lab('failed', { desired: 'running' }))).toEqual([]);
  });

  it('says when a lab expires, that it expired at the very minute, or when it ended', () => {
    expect(expiryWords(lab('ready'), NOW)).toBe('in 3h');
    expect(expiryWords(lab('ready'), new Date('2025-03-04T09:06:07.089Z'))).toBe('expired');
    expect(expiryWords(lab('ready'), new Date('2025-03-04T09:05:07.089Z'))).toBe('in 1m');
    expect(expiryWords(lab('deleted', { endedAt: new Date('2025-03-04T06:00:59Z') }), NOW)).toBe(
      'ended 2025-03-04 06:00 UTC',
    );
  });

  it('words the ready-by time in UTC by default, and adds the deploy start only while scheduled', () => {
    const readyBy = new Date('2025-03-04T14:00:00Z');
    const deployAt = new Date('2025-03-04T13:38:00Z');
    expect(readyByWords({ phase: 'scheduled', readyBy, deployAt }, {})).toBe(
      'Tue 4 Mar 14:00 UTC (deploy starts Tue 4 Mar 13:38 UTC)',
    );
    expect(readyByWords({ phase: 'deploying', readyBy, deployAt }, {})).toBe('Tue 4 Mar 14:00 UTC');
    expect(readyByWords({ phase: 'scheduled', readyBy }, {})).toBe('Tue 4 Mar 14:00 UTC');
    expect(readyByWords({ phase: 'scheduled', deployAt }, {})).toBe(' (deploy starts Tue 4 Mar 13:38 UTC)');
  });

  it('lists a lab on one line, with its ready-by time while it is scheduled and not being cancelled', () => {
    const readyBy = new Date('2025-03-04T14:00:00Z');
    expect(labLine(lab('ready'), context)).toBe('demo-4kq  ready  esxi8-basic  $0.77 so far, $0.42/h  in 3h');
    expect(labLine(lab('scheduled', { readyBy }), context)).toBe(
      'demo-4kq  scheduled, ready by Tue 4 Mar 14:00 UTC  esxi8-basic  $0.77 so far, $0.42/h  in 3h',
    );
    expect(labLine(lab('scheduled', { readyBy, desired: 'deleted' }), context)).toBe(
      'demo-4kq  tearing down…  esxi8-basic  $0.77 so far, $0.42/h  in 3h',
    );
    expect(labLine(lab('ready', { readyBy, readyAt: NOW }), context)).toBe(
      'demo-4kq  ready  esxi8-basic  $0.77 so far, $0.42/h  in 3h',
    );
    expect(labLine(lab('failed', { readyBy }), context)).toContain('demo-4kq  failed  esxi8-basic');
  });
});

describe('commands/lab-reply: how to reach a lab', () => {
  const esxi = vm('esxi-01', [nic(0), nic(1), nic(2)]);

  it('shows the public IP, each access point with where it leads, the jump host and the vmnic table', () => {
    const sections = accessSections(
      lab('ready', {
        vms: [esxi],
        network: network({
          jumpHost: 'jump',
          access: [
            {
              name: 'ui',
              vm: 'esxi-01',
              protocol: 'tcp',
              publicPort: 443,
              port: 443,
              url: 'https://203.0.113.10:443',
              allow: ['Any'],
            },
            {
              name: 'ssh',
              vm: 'jump',
              protocol: 'tcp',
              publicPort: 22,
              port: 22,
              allow: ['198.51.100.0/24', '192.0.2.7'],
            },
            { name: 'rdp', vm: 'jump', protocol: 'udp', publicPort: 3389, port: 3389, allow: ['Any'] },
          ],
        }),
      }),
    );
    expect(sections.slice(0, 3)).toEqual([
      { type: 'text', text: [{ bold: 'Access' }, ' through public IP ', { code: '203.0.113.10' }] },
      {
        type: 'list',
        items: [
          [{ code: 'https://203.0.113.10:443' }, ' → esxi-01:443 (ui), from Any'],
          [{ code: '203.0.113.10:22/tcp' }, ' → jump:22 (ssh), from 198.51.100.0/24, 192.0.2.7'],
          [{ code: '203.0.113.10:3389/udp' }, ' → jump:3389 (rdp), from Any'],
        ],
      },
      { type: 'text', text: ['Jump host: ', { code: 'jump' }, ' at ', { code: '203.0.113.10:22, 3389' }] },
    ]);
    expect(sections[3]).toEqual({
      type: 'table',
      columns: ['vmnic', 'MAC', 'network', 'IP', 'adapter'],
      rows: [
        ['vmnic0', '00:50:56:00:00:00', 'Management', '', ''],
        ['vmnic1', '00:50:56:00:00:01', 'VM Network', '', ''],
        ['vmnic2', '00:50:56:00:00:02', 'VM Network', '', ''],
      ],
    });
    expect(sections.slice(4)).toEqual([
      { type: 'context', text: [MAC_MAPPING_INSTRUCTION] },
      {
        type: 'context',
        text: ['The esxcli script that does it in each host: ', { code: '/lab status demo-4kq script' }],
      },
    ]);
  });

  it('names no address before the edge rules are on, and no jump host port without a public IP', () => {
    const withoutRules = accessSections(
      lab('networking', {
        vms: [esxi],
        network: network({
          rulesApplied: false,
          jumpHost: 'jump',
          access: [{ name: 'ssh', vm: 'jump', protocol: 'tcp', publicPort: 22, port: 22, allow: ['Any'] }],
        }),
      }),
    );
    expect(withoutRules[0]).toEqual({
      type: 'text',
      text: ['Jump host: ', { code: 'jump' }, ' at ', { code: '203.0.113.10:22' }],
    });
    const { publicIp: _ip, ...noIp } = network({
      jumpHost: 'jump',
      access: [{ name: 'ssh', vm: 'jump', protocol: 'tcp', publicPort: 22, port: 22, allow: ['Any'] }],
    });
    expect(accessSections(lab('networking', { vms: [esxi], network: noIp }))[0]).toEqual({
      type: 'text',
      text: ['Jump host: ', { code: 'jump' }],
    });
    // A jump host nobody reaches from outside: no address either.
    expect(accessSections(lab('ready', { vms: [esxi], network: network({ jumpHost: 'jump' }) }))[1]).toEqual({
      type: 'text',
      text: ['Jump host: ', { code: 'jump' }],
    });
    // The public IP alone, with no access point: no list.
    expect(accessSections(lab('ready', { network: network() }))).toEqual([
      { type: 'text', text: [{ bold: 'Access' }, ' through public IP ', { code: '203.0.113.10' }] },
    ]);
  });

  it('adds the host column when the lab has several ESXi hosts, and no script hint before the MACs are known', () => {
    const sections = accessSections(
      lab('ready', {
        vms: [vm('esxi-01', [nic(0), nic(1)]), vm('esxi-02', [nic(0), nic(1, { mac: '' })])],
        network: network({ publicIp: undefined, esxiVms: ['esxi-01', 'esxi-02'] }),
      }),
    );
    const [table] = ofType(sections, 'table');
    expect(table?.columns).toEqual(['ESXi host', 'vmnic', 'MAC', 'network', 'IP', 'adapter']);
    expect(table?.rows[0]).toEqual(['esxi-01', 'vmnic0', '00:50:56:00:00:00', 'Management', '', '']);
    // esxi-01's MACs are known, so there is a script for it.
    expect(replyText({ visibility: 'ephemeral', tone: 'info', title: '', sections })).toContain(
      '/lab status demo-4kq script',
    );

    const noMacs = accessSections(
      lab('ready', {
        vms: [vm('esxi-01', [nic(0), nic(1, { mac: '' })])],
        network: network({ publicIp: undefined }),
      }),
    );
    expect(ofType(noMacs, 'context')).toEqual([{ type: 'context', text: [MAC_MAPPING_INSTRUCTION] }]);
  });

  it('shows nothing once the lab’s edge rules are released or the lab ended, nor without networking', () => {
    expect(accessSections(lab('ready', { vms: [esxi] }))).toEqual([]);
    expect(accessSections(lab('ready', { vms: [esxi], network: network({ released: true }) }))).toEqual([]);
    expect(accessSections(lab('deleted', { vms: [esxi], network: network() }))).toEqual([]);
    expect(accessSections(lab('ready', { vms: [], network: network({ publicIp: undefined }) }))).toEqual([]);
  });
});

describe('commands/lab-reply: the host scripts', () => {
  it('says why there is no script: no network block, or no MACs yet', () => {
    expect(scriptReply(lab('ready'))).toEqual({
      visibility: 'ephemeral',
      tone: 'info',
      title: 'Lab demo-4kq: no host script',
      sections: [
        { type: 'text', text: ['Its template has no network block, so labbot did not wire its ESXi hosts.'] },
      ],
    });
    expect(scriptReply(lab('deploying', { network: network() })).sections).toEqual([
      {
        type: 'text',
        text: ['Its ESXi hosts have no VM-network vmnics with a MAC yet; ask again once the lab is ready.'],
      },
    ]);
    expect(scriptReplyIfAny(lab('ready'))).toBeUndefined();
  });

  it('gives one code block per host, titled in the singular or the plural', () => {
    const one = lab('ready', { vms: [vm('esxi-01', [nic(0), nic(1)])], network: network() });
    const reply = scriptReply(one);
    expect(reply.title).toBe('Lab demo-4kq: 1:1 MAC mapping script');
    expect(reply.visibility).toBe('ephemeral');
    expect(reply.tone).toBe('info');
    expect(reply.sections.map((s) => s.type)).toEqual(['text', 'code']);
    expect(reply.sections[0]).toEqual({
      type: 'text',
      text: ['ESXi host ', { code: 'esxi-01' }, ': run in its shell (SSH or ESXi Shell)'],
    });
    expect(scriptReplyIfAny(one)).toEqual(reply);

    const two = lab('ready', {
      vms: [vm('esxi-01', [nic(1)]), vm('esxi-02', [nic(1)])],
      network: network({ esxiVms: ['esxi-01', 'esxi-02'] }),
    });
    expect(scriptReply(two).title).toBe('Lab demo-4kq: 1:1 MAC mapping scripts');
    expect(scriptReply(two).sections).toHaveLength(4);
  });
});

describe('commands/lab-reply: the lab message, edges the second mutation run showed', () => {
  it('has no ready-by field for a lab on its way that was never scheduled', () => {
    expect(fieldsOf(labReply(lab('deploying'), context))).toEqual([
      { label: 'State', value: ['deploying…'] },
      { label: 'Owner', value: [{ user: 'U_ALICE' }] },
      { label: 'Template', value: ['esxi8-basic'] },
      { label: 'vApp', value: [{ code: 'lab-demo-4kq' }] },
      { label: 'Cost', value: ['$0.77 so far, $0.42/h'] },
      { label: 'Expires', value: ['in 3h'] },
    ]);
  });

  it('gives a bystander of a networked lab only the fields, the short VM table, the two notes and the buttons', () => {
    const reply = labReply(
      lab('ready', { vms: [vm('esxi-01', [nic(0, { ipAddress: '10.0.0.1' })])], network: network() }),
      { ...context, hideAccess: true },
    );
    expect(reply.sections.map((s) => s.type)).toEqual(['fields', 'table', 'context', 'context', 'actions']);
  });

  it('lists every NIC of a networked lab whose ESXi hosts are not among its VMs yet (no vmnic table)', () => {
    const reply = labReply(
      lab('ready', {
        vms: [vm('router', [nic(0, { ipAddress: '10.0.0.1' })])],
        network: network({ esxiVms: ['esxi-01'] }),
      }),
      context,
    );
    expect(ofType(reply.sections, 'table')).toEqual([
      {
        type: 'table',
        columns: ['VM', 'power', 'vCPU', 'RAM', 'NIC', 'network', 'MAC', 'IP'],
        rows: [
          ['router', 'powered on', '4', '16 GB', 'vmnic0', 'Management', '00:50:56:00:00:00', '10.0.0.1'],
        ],
      },
    ]);
    // Its public IP is still shown.
    expect(ofType(reply.sections, 'text')[0]?.text).toEqual([
      { bold: 'Access' },
      ' through public IP ',
      { code: '203.0.113.10' },
    ]);
  });

  it('leaves a NIC with no IP out of the VM’s IP column beside the vmnic table', () => {
    const reply = labReply(
      lab('ready', {
        vms: [vm('esxi-01', [nic(0, { ipAddress: '10.0.0.1' }), nic(1)])],
        network: network(),
      }),
      context,
    );
    expect(ofType(reply.sections, 'table')[0]?.rows).toEqual([
      ['esxi-01', 'powered on', '4', '16 GB', '10.0.0.1'],
    ]);
  });

  it('lists a lab on its way that was never scheduled without a ready-by time', () => {
    expect(labLine(lab('deploying'), context)).toBe(
      'demo-4kq  deploying…  esxi8-basic  $0.77 so far, $0.42/h  in 3h',
    );
  });
});
