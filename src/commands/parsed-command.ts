import { type StudentRef } from '../labs/class';

/** A parsed `/lab …` command. */
export type LabCommand =
  | { verb: 'help' }
  /** `readyBy`: the words after `at` / `ready by`, read in the caller's time zone when the command runs. */
  | { verb: 'demo'; template?: string; lifetimeMinutes?: number; readyBy?: string[] }
  | { verb: 'repro'; ticket: string; template?: string; lifetimeMinutes?: number; readyBy?: string[] }
  | { verb: 'list'; all: boolean }
  /** `script`: the 1:1 MAC mapping script of each ESXi host instead of the status (owner or admin). */
  | { verb: 'status'; labId: string; script?: boolean }
  | { verb: 'teardown'; labId: string }
  | { verb: 'extend'; labId: string; minutes?: number }
  /** Keep from a reaper warning: for a duration, or until 9:00 tomorrow; `inUse` reports a false positive. */
  | { verb: 'keep'; labId: string; minutes?: number; tomorrow?: boolean; inUse?: boolean }
  | { verb: 'suspend'; labId: string }
  | { verb: 'resume'; labId: string }
  | { verb: 'handoff'; labId: string; newOwner: string }
  /** `csv`: the admin export, rows per owner, kind, ticket and template, as a file. */
  | { verb: 'cost'; scope: 'me' | 'all'; period?: CostPeriod; csv?: boolean }
  /** List the templates the caller may use; or publish one (admins) or remove one (its owner or an admin). */
  | { verb: 'templates'; action?: { kind: 'publish' | 'remove'; template: string } }
  /** Capture a lab into the catalog as a new template, deployable as `template`. */
  | { verb: 'capture'; labId: string; template: string }
  /** Classrooms (issue 18): one lab per student, managed by the trainer. */
  | { verb: 'class'; action: ClassAction }
  /** Cancel a scheduled lab before its deploy starts (nothing in the cloud to delete). */
  | { verb: 'cancel'; labId: string };

/** What `/lab class …` asks for. */
export type ClassAction =
  | {
      kind: 'create';
      template?: string;
      students: StudentRef[];
      lifetimeMinutes?: number;
      name?: string;
      /** The words after `at` / `ready by`, as typed; the time parser is another change's (sched). */
      readyByText?: string;
    }
  | { kind: 'list'; all: boolean }
  | { kind: 'show'; name: string }
  | { kind: 'add'; name: string; students: StudentRef[] }
  | { kind: 'teardown' | 'suspend' | 'resume'; name: string }
  | { kind: 'extend'; name: string; minutes?: number };

export type CostPeriod = 'day' | 'week' | 'month';

export type Verb = LabCommand['verb'];

/** The command of one verb, e.g. `CommandOf<'teardown'>`. */
export type CommandOf<V extends Verb> = Extract<LabCommand, { verb: V }>;
