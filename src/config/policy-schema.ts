import { z } from 'zod';
import { normalizeAddressExpression, parseIpRange, rangeSize } from '../labs/ipv4';
import {
  DEFAULT_SCHEDULE_POLICY,
  type EdgePolicy,
  type LabPolicy,
  type ReaperPolicy,
  type SchedulePolicy,
  type TemplateNetworkPolicy,
} from '../labs/policy';
import { isTimeZone } from '../labs/ready-time';
import { type ConfigProblem } from './config-error';

const positive = z.number().positive();

/** Rule names become part of an edge rule's tag (`labbot:<labId>:<name>`), so they stay short and plain. */
const ruleName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,23}$/, 'lowercase letters, digits and dashes, at most 24');
const vmName = z.string().min(1).max(128);
const port = z.number().int().min(1).max(65535);
/** Allow lists: no default, so that opening a lab to the world is always written down (`Any`). */
const allowList = z
  .array(z.string())
  .min(1, 'list the addresses allowed (IPs, CIDRs, ranges), or Any to allow everyone')
  .superRefine((entries, ctx) => {
    entries.forEach((entry, i) => {
      if (normalizeAddressExpression(entry) === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [i],
          message: `"${entry}" is not Any, an IPv4 address, a CIDR block (10.0.0.0/8) or a range (a.b.c.d-e.f.g.h)`,
        });
      }
    });
  })
  .transform((entries) => entries.map((e) => normalizeAddressExpression(e) ?? e));

const dnat = z
  .object({
    name: ruleName,
    vm: vmName,
    network: z.string().min(1).optional(),
    protocol: z.enum(['tcp', 'udp']).default('tcp'),
    publicPort: port,
    port,
    allow: allowList,
    scheme: z.enum(['https', 'http']).optional(),
  })
  .strict();

const snat = z.object({ name: ruleName, network: z.string().min(1), allow: allowList }).strict();

const network = z
  .object({
    esxiVm: z.union([vmName, z.array(vmName).min(1)]),
    managementNetwork: z.string().min(1).default('Management'),
    vmNetwork: z.string().min(1).default('VM Network'),
    vmNics: z.number().int().min(0).max(9).default(2),
    adapterType: z.enum(['E1000', 'E1000E', 'VMXNET3', 'VMXNET2', 'PCNet32']).default('E1000'),
    ipAllocation: z.enum(['POOL', 'DHCP', 'MANUAL', 'NONE']).default('POOL'),
    jumpHost: vmName.optional(),
    dnat: z.array(dnat).default([]),
    snat: z.array(snat).default([]),
  })
  .strict()
  .transform(({ esxiVm, jumpHost, ...rest }): TemplateNetworkPolicy => ({
    esxiVms: typeof esxiVm === 'string' ? [esxiVm] : esxiVm,
    ...rest,
    ...(jumpHost !== undefined ? { jumpHost } : {}),
  }));

const edge = z
  .object({
    gateway: z.string().min(1),
    publicIps: z.string().transform((text, ctx) => {
      const range = parseIpRange(text);
      if (range === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `"${text}" is not an ascending IPv4 range such as 203.0.113.10-203.0.113.60`,
        });
        return z.NEVER;
      }
      return range;
    }),
  })
  .strict()
  .transform((e): EdgePolicy => e);

const template = z
  .object({
    key: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'lowercase letters, digits and dashes, at most 32'),
    catalogItem: z.string().min(1).max(128).optional(),
    description: z.string().max(200).default(''),
    vcpus: z.number().int().positive(),
    memoryGb: positive,
    storageGb: positive,
    idleCpuPercent: z.number().min(0).max(100).default(5),
    idleNetworkKbps: z.number().min(0).default(20),
    network: network.optional(),
  })
  .strict();

const kind = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9]{0,15}$/, 'lowercase letters and digits, at most 16'),
    defaultTemplate: z.string(),
    defaultLifetimeHours: positive,
    maxLifetimeHours: positive,
    maxExtensions: z.number().int().min(0).default(3),
    extendHours: positive.default(2),
    templates: z.array(z.string()).default([]),
    idleAction: z.enum(['suspend', 'delete']).default('suspend'),
  })
  .strict();

/** Shape of labbot.yml. Every key is optional: what is missing comes from the built-in default. */
export const LabbotFile = z
  .object({
    templates: z.array(template).min(1).optional(),
    kinds: z.array(kind).min(1).optional(),
    limits: z
      .object({
        maxLabsPerUser: z.number().int().positive(),
        maxHourlySpendPerUser: z.number().positive(),
        maxStudentsPerClass: z.number().int().positive().optional(),
      })
      .strict()
      .optional(),
    reaper: z
      .object({
        cron: z.string().min(9),
        mode: z.enum(['plan', 'enforce']),
        idleMinutes: positive,
        graceMinutes: positive,
        expiryWarningMinutes: positive,
        maxActionsPerCycle: z.number().int().min(0),
        allowedHours: z
          .object({
            from: z.number().int().min(0).max(23),
            to: z.number().int().min(1).max(24),
            timeZone: z.string(),
          })
          .strict()
          .optional(),
        digestChannel: z
          .string()
          .regex(/^[CG][A-Z0-9]{2,}$/, 'a Slack channel id such as C012ABCDEF')
          .optional(),
        // A month at most: beyond that a suspended lab's storage costs more than redeploying it.
        restoreWindowHours: z.number().min(0).max(720).optional(),
      })
      .partial()
      .strict()
      .optional(),
    access: z
      .object({
        deployChannels: z
          .array(z.string().regex(/^[CGD][A-Z0-9]{2,}$/, 'a Slack channel id such as C012ABCDEF'))
          .default([]),
        deployUserGroups: z
          .array(z.string().regex(/^S[A-Z0-9]{2,}$/, 'a Slack user group id such as S012ABCDEF'))
          .default([]),
      })
      .strict()
      .optional(),
    rates: z
      .object({
        vcpuHour: z.number().min(0),
        memoryGbHour: z.number().min(0),
        storageGbMonth: z.number().min(0),
      })
      .strict()
      .optional(),
    admins: z.array(z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'a Slack user id such as U012ABCDEF')).optional(),
    ticketPattern: z.string().min(1).optional(),
    networks: z.array(z.string().min(1)).min(1).optional(),
    edge: edge.optional(),
    schedule: z
      .object({
        expectedDeployMinutes: positive,
        maxDaysAhead: z.number().int().min(1).max(366),
        lateWarningMinutes: z.number().min(0),
        defaultTimeZone: z.string().refine(isTimeZone, 'an IANA time zone such as Europe/Paris'),
      })
      .partial()
      .strict()
      .optional(),
  })
  .strict();

/**
 * Merges a parsed labbot.yml over the defaults and checks what zod cannot: references between sections.
 * Returns the policy or the problems found (never throws).
 */
export function buildPolicy(
  file: unknown,
  defaults: LabPolicy,
  source: string,
): { policy?: LabPolicy; problems: ConfigProblem[] } {
  const parsed = LabbotFile.safeParse(file ?? {});
  if (!parsed.success) {
    return {
      problems: parsed.error.issues.map((issue) => ({
        key: `${source}: ${issue.path.join('.') || '(top level)'}`,
        message: issue.message,
        fix: 'correct this entry; see the labbot.yml example in README.md',
      })),
    };
  }
  const f = parsed.data;
  const policy: LabPolicy = {
    templates:
      f.templates?.map(({ network: net, ...t }) => ({
        ...t,
        catalogItem: t.catalogItem ?? t.key,
        ...(net !== undefined ? { network: net } : {}),
      })) ?? defaults.templates,
    kinds: f.kinds ?? defaults.kinds,
    rates: f.rates ?? defaults.rates,
    limits: f.limits ?? defaults.limits,
    access: f.access ?? defaults.access,
    reaper: mergeReaper(defaults.reaper, f.reaper),
    admins: f.admins ?? defaults.admins,
    ticketPattern: f.ticketPattern ?? defaults.ticketPattern,
    networks: f.networks ?? defaults.networks,
    ...((f.edge ?? defaults.edge) !== undefined ? { edge: f.edge ?? defaults.edge } : {}),
    ...(f.schedule !== undefined || defaults.schedule !== undefined
      ? { schedule: mergeSchedule(defaults.schedule, f.schedule) }
      : {}),
  };
  return { policy, problems: crossCheck(policy, source) };
}

function mergeReaper(defaults: ReaperPolicy, file: Partial<ReaperPolicy> | undefined): ReaperPolicy {
  const merged: ReaperPolicy = { ...defaults };
  for (const [key, value] of Object.entries(file ?? {})) {
    if (value !== undefined) {
      Object.assign(merged, { [key]: value });
    }
  }
  return merged;
}

function mergeSchedule(
  defaults: SchedulePolicy | undefined,
  file: Partial<SchedulePolicy> | undefined,
): SchedulePolicy {
  const merged: SchedulePolicy = { ...DEFAULT_SCHEDULE_POLICY, ...defaults };
  for (const [key, value] of Object.entries(file ?? {})) {
    if (value !== undefined) {
      Object.assign(merged, { [key]: value });
    }
  }
  return merged;
}

function crossCheck(policy: LabPolicy, source: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const keys = policy.templates.map((t) => t.key);
  for (const dup of keys.filter((k, i) => keys.indexOf(k) !== i)) {
    problems.push({
      key: `${source}: templates`,
      message: `template key "${dup}" appears twice`,
      fix: 'give every template a unique key',
    });
  }
  const names = policy.kinds.map((k) => k.name);
  for (const dup of names.filter((k, i) => names.indexOf(k) !== i)) {
    problems.push({
      key: `${source}: kinds`,
      message: `kind "${dup}" appears twice`,
      fix: 'give every kind a unique name',
    });
  }
  policy.kinds.forEach((k, i) => {
    if (!keys.includes(k.defaultTemplate)) {
      problems.push({
        key: `${source}: kinds.${i}.defaultTemplate`,
        message: `kind "${k.name}" uses template "${k.defaultTemplate}", which is not in templates`,
        fix: `use one of: ${keys.join(', ')}`,
      });
    }
    for (const t of k.templates.filter((t) => !keys.includes(t))) {
      problems.push({
        key: `${source}: kinds.${i}.templates`,
        message: `kind "${k.name}" allows template "${t}", which is not in templates`,
        fix: `use some of: ${keys.join(', ')}`,
      });
    }
    if (k.templates.length > 0 && !k.templates.includes(k.defaultTemplate)) {
      problems.push({
        key: `${source}: kinds.${i}.defaultTemplate`,
        message: `kind "${k.name}" defaults to "${k.defaultTemplate}", which its templates list does not allow`,
        fix: 'add it to templates or pick another default',
      });
    }
    if (k.maxLifetimeHours < k.defaultLifetimeHours) {
      problems.push({
        key: `${source}: kinds.${i}.maxLifetimeHours`,
        message: `kind "${k.name}" has a maximum lifetime (${k.maxLifetimeHours} h) below its default (${k.defaultLifetimeHours} h)`,
        fix: 'raise maxLifetimeHours or lower defaultLifetimeHours',
      });
    }
  });
  for (const required of ['demo', 'repro']) {
    if (!names.includes(required)) {
      problems.push({
        key: `${source}: kinds`,
        message: `kind "${required}" is missing; /lab ${required} needs it`,
        fix: `add a kind named ${required}`,
      });
    }
  }
  problems.push(...networkProblems(policy, source));
  try {
    new RegExp(policy.ticketPattern);
  } catch {
    problems.push({
      key: `${source}: ticketPattern`,
      message: 'is not a valid regular expression',
      fix: "use e.g. '^[A-Z]+-[0-9]+$'",
    });
  }
  return problems;
}

/** What zod cannot see in the templates' `network` blocks: names that must be unique or must exist elsewhere. */
function networkProblems(policy: LabPolicy, source: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const networks = policy.networks;
  const withNetwork = policy.templates.filter((t) => t.network !== undefined);
  if (withNetwork.length > 0 && policy.edge === undefined) {
    problems.push({
      key: `${source}: edge`,
      message: `templates ${withNetwork.map((t) => t.key).join(', ')} have a network block but no edge is configured`,
      fix: 'add edge: { gateway: <edge gateway name>, publicIps: <first>-<last> }',
    });
  }
  if (policy.edge !== undefined && rangeSize(policy.edge.publicIps) > 65_536) {
    problems.push({
      key: `${source}: edge.publicIps`,
      message: 'holds more than 65536 addresses',
      fix: 'list only the public IPs sub-allocated to the edge gateway',
    });
  }
  policy.templates.forEach((t, i) => {
    const net = t.network;
    if (net === undefined) {
      return;
    }
    const at = `${source}: templates.${i}.network`;
    const used: [string, string][] = [
      ['managementNetwork', net.managementNetwork],
      ['vmNetwork', net.vmNetwork],
      ...net.dnat.flatMap((d, j): [string, string][] =>
        d.network !== undefined ? [[`dnat.${j}.network`, d.network]] : [],
      ),
      ...net.snat.map((s, j): [string, string] => [`snat.${j}.network`, s.network]),
    ];
    for (const [key, name] of used.filter(([, name]) => !networks.includes(name))) {
      problems.push({
        key: `${at}.${key}`,
        message: `network "${name}" is not one of the networks bridged into each vApp (${networks.join(', ')})`,
        fix: `add "${name}" to networks, or use one of: ${networks.join(', ')}`,
      });
    }
    const names = [...net.dnat.map((d) => d.name), ...net.snat.map((s) => s.name)];
    for (const dup of new Set(names.filter((n, k) => names.indexOf(n) !== k))) {
      problems.push({
        key: `${at}`,
        message: `rule name "${dup}" appears twice in template "${t.key}"`,
        fix: 'give every dnat and snat rule of a template a unique name',
      });
    }
    const ports = net.dnat.map((d) => `${d.protocol}/${d.publicPort}`);
    for (const dup of new Set(ports.filter((p, k) => ports.indexOf(p) !== k))) {
      problems.push({
        key: `${at}.dnat`,
        message: `public port ${dup} is used twice in template "${t.key}"`,
        fix: 'give each dnat rule its own public port',
      });
    }
    const vmNames = new Set(net.esxiVms);
    if (vmNames.size !== net.esxiVms.length) {
      problems.push({
        key: `${at}.esxiVm`,
        message: 'names a VM twice',
        fix: 'list each ESXi VM once',
      });
    }
  });
  return problems;
}
