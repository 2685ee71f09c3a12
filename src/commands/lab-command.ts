/** A parsed `/lab …` command. */
export type LabCommand =
  | { verb: 'help' }
  | { verb: 'demo'; template?: string; lifetimeMinutes?: number }
  | { verb: 'repro'; ticket: string; template?: string }
  | { verb: 'list'; all: boolean }
  | { verb: 'status'; labId: string }
  | { verb: 'teardown'; labId: string }
  | { verb: 'extend'; labId: string; minutes?: number }
  /** Keep from a reaper warning: for a duration, or until 9:00 tomorrow; `inUse` reports a false positive. */
  | { verb: 'keep'; labId: string; minutes?: number; tomorrow?: boolean; inUse?: boolean }
  | { verb: 'suspend'; labId: string }
  | { verb: 'resume'; labId: string }
  | { verb: 'handoff'; labId: string; newOwner: string }
  | { verb: 'cost'; scope: 'me' | 'all'; period?: CostPeriod }
  /** List the templates the caller may use; or publish one (admins) or remove one (its owner or an admin). */
  | { verb: 'templates'; action?: { kind: 'publish' | 'remove'; template: string } }
  /** Capture a lab into the catalog as a new template, deployable as `template`. */
  | { verb: 'capture'; labId: string; template: string };

export type CostPeriod = 'day' | 'week' | 'month';

export type Verb = LabCommand['verb'];

/** Usage line and one-line purpose of each command; `help` is generated from this table. */
export const COMMAND_USAGE: readonly { verb: Verb; usage: string; purpose: string }[] = [
  {
    verb: 'demo',
    usage: '/lab demo [template] [for DURATION]',
    purpose: 'deploy a demo lab (default lifetime a few hours), e.g. `/lab demo vsphere8 for 3h`',
  },
  {
    verb: 'repro',
    usage: '/lab repro TICKET [template]',
    purpose: 'deploy the lab for a support ticket; one per ticket, asking again returns it',
  },
  {
    verb: 'list',
    usage: '/lab list [all]',
    purpose: 'your labs with state, cost and expiry (`all`: everyone’s, admins only)',
  },
  {
    verb: 'status',
    usage: '/lab status LAB',
    purpose:
      'one lab: state, VMs, cost so far and per hour; how to reach it (IP, URLs, MACs) for its owner and admins',
  },
  {
    verb: 'teardown',
    usage: '/lab teardown LAB',
    purpose: 'delete a lab and stop its bill (owner or admin)',
  },
  {
    verb: 'extend',
    usage: '/lab extend LAB [DURATION]',
    purpose: 'more time for a lab (its kind sets the default and the most it may live)',
  },
  {
    verb: 'suspend',
    usage: '/lab suspend LAB',
    purpose: 'pause a lab: CPU and RAM stop billing, only storage goes on',
  },
  { verb: 'resume', usage: '/lab resume LAB', purpose: 'power a suspended lab on again' },
  {
    verb: 'keep',
    usage: '/lab keep LAB [DURATION|tomorrow|in-use]',
    purpose: 'tell the idle reaper to leave a lab alone, as the buttons of its warning do',
  },
  {
    verb: 'handoff',
    usage: '/lab handoff LAB @user',
    purpose: 'give a lab to someone else (owner or admin)',
  },
  {
    verb: 'cost',
    usage: '/lab cost [me|all] [day|week|month]',
    purpose: 'what your labs cost (`all`: everyone’s, admins only)',
  },
  {
    verb: 'capture',
    usage: '/lab capture LAB NAME',
    purpose:
      'save a lab to the catalog as new template NAME, private to you until an admin publishes it; it powers off meanwhile (owner or admin)',
  },
  {
    verb: 'templates',
    usage: '/lab templates [publish|remove NAME]',
    purpose:
      'templates you can deploy, with their hourly rate; `publish` a captured one to everyone (admins), `remove` one (its owner or an admin)',
  },
  { verb: 'help', usage: '/lab help', purpose: 'this help' },
];
