import { type Lab } from '../labs/lab';

/**
 * The next thing the controller must do for a lab, decided from its recorded state alone (pure), so that a
 * restart at any point picks up exactly where the last run stopped.
 */
export type Step =
  | { kind: 'none' }
  /** A task is in flight: wait for it before anything else (the entity is busy meanwhile). */
  | { kind: 'await-task'; taskHref: string }
  /** We may have crashed between asking VCD to create the vApp and recording its href: look it up by name. */
  | { kind: 'find-vapp' }
  | { kind: 'instantiate' }
  | { kind: 'set-metadata' }
  /** Networking (templates with a `network` block), one part per step so that a restart resumes the right one. */
  | { kind: 'configure-nics' }
  | { kind: 'allocate-ip' }
  | { kind: 'apply-edge-rules' }
  /** Remove the lab's edge rules and return its public IP: first thing on teardown, before the vApp goes. */
  | { kind: 'release-network' }
  | { kind: 'power-on' }
  | { kind: 'suspend' }
  /** Look at the vApp and undeploy it, delete it, or close the lab if it is gone. */
  | { kind: 'dismantle' }
  | { kind: 'close-without-vapp' }
  /** `/lab capture`: power the vApp off if it is not, else send the capture (its name recorded first). */
  | { kind: 'capture' }
  /** The capture task is in flight: wait for it, then register the template. */
  | { kind: 'await-capture'; taskHref: string }
  /** We may have crashed between sending the capture and recording its task: look for the template by name. */
  | { kind: 'find-capture' }
  /** The template is registered and the lab is back in its desired state: tell the owner. */
  | { kind: 'capture-done' };

/** The step of one kind, with its fields (`StepOf<'await-task'>` has its `taskHref`). */
export type StepOf<K extends Step['kind']> = Extract<Step, { kind: K }>;

/**
 * `now` matters only to scheduled labs, which wait until their `deployAt`; without it a scheduled lab waits (never
 * started early by a caller that forgot the clock).
 */
export function nextStep(lab: Lab, now?: Date): Step {
  if (lab.phase === 'deleted' || lab.phase === 'failed') {
    return { kind: 'none' };
  }
  const capturing = lab.phase === 'capturing' && lab.captureName !== undefined;
  if (lab.taskHref !== undefined) {
    return capturing
      ? { kind: 'await-capture', taskHref: lab.taskHref }
      : { kind: 'await-task', taskHref: lab.taskHref };
  }
  if (capturing) {
    return { kind: 'find-capture' };
  }

  if (lab.desired === 'deleted') {
    // Rules first: once the vApp is gone, its addresses go back to the org network's pool and another lab could
    // get them, still reachable through this lab's DNAT rules.
    if (lab.network !== undefined && !lab.network.released) {
      return { kind: 'release-network' };
    }
    if (lab.vappHref !== undefined) {
      return { kind: 'dismantle' };
    }
    // Nothing was created, unless a crash hid the href: 'deploying' means instantiate may have been sent.
    return lab.phase === 'deploying' ? { kind: 'find-vapp' } : { kind: 'close-without-vapp' };
  }

  // desired is running or suspended: both first need a deployed lab.
  switch (lab.phase) {
    case 'scheduled':
      // Due (or with no deploy time recorded): deploy now; instantiate records 'deploying' before it calls VCD.
      return now !== undefined && (lab.deployAt === undefined || lab.deployAt.getTime() <= now.getTime())
        ? { kind: 'instantiate' }
        : { kind: 'none' };
    case 'requested':
      return { kind: 'instantiate' };
    case 'deploying':
      return lab.vappHref === undefined ? { kind: 'find-vapp' } : { kind: 'set-metadata' };
    case 'configuring':
      return { kind: 'set-metadata' };
    case 'networking':
      if (lab.network === undefined || !lab.network.nicsConfigured) {
        return { kind: 'configure-nics' };
      }
      if (lab.network.publicIp === undefined) {
        return { kind: 'allocate-ip' };
      }
      return lab.network.rulesApplied ? { kind: 'power-on' } : { kind: 'apply-edge-rules' };
    case 'starting':
    case 'resuming':
      return { kind: 'power-on' };
    case 'ready':
      if (lab.captureName !== undefined) {
        return { kind: 'capture-done' };
      }
      if (lab.desired === 'suspended') {
        return { kind: 'suspend' };
      }
      return lab.captureAs !== undefined ? { kind: 'capture' } : { kind: 'none' };
    case 'suspending':
      return { kind: 'suspend' };
    case 'suspended':
      if (lab.captureName !== undefined) {
        return { kind: 'capture-done' };
      }
      if (lab.desired === 'running') {
        return { kind: 'power-on' };
      }
      return lab.captureAs !== undefined ? { kind: 'capture' } : { kind: 'none' };
    case 'capturing':
      return { kind: 'capture' };
    case 'deleting':
      // Teardown was cancelled? Never: a lab being dismantled stays on that path.
      return { kind: 'dismantle' };
  }
}
