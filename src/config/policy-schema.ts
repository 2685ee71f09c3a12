import { z } from 'zod';
import { type LabPolicy, type ReaperPolicy } from '../labs/policy';
import { type ConfigProblem } from './config-error';

const positive = z.number().positive();

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
      .object({ maxLabsPerUser: z.number().int().positive(), maxHourlySpendPerUser: z.number().positive() })
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
    templates: f.templates?.map((t) => ({ ...t, catalogItem: t.catalogItem ?? t.key })) ?? defaults.templates,
    kinds: f.kinds ?? defaults.kinds,
    rates: f.rates ?? defaults.rates,
    limits: f.limits ?? defaults.limits,
    access: f.access ?? defaults.access,
    reaper: mergeReaper(defaults.reaper, f.reaper),
    admins: f.admins ?? defaults.admins,
    ticketPattern: f.ticketPattern ?? defaults.ticketPattern,
    networks: f.networks ?? defaults.networks,
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
