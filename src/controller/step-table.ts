import { type Lab } from '../labs/lab';
import { type ControllerContext } from './controller-context';
import { type Step, type StepOf } from './next-step';
import { awaitCapture, capture, captureDone, findCapture } from './steps/capture';
import {
  awaitTask,
  close,
  dismantle,
  findVApp,
  instantiate,
  powerOn,
  setMetadata,
  suspend,
} from './steps/lifecycle';
import { allocateIp, applyEdgeRules, configureNics, releaseNetwork } from './steps/network';

/** Performs one step of one lab: talks to VCD through the context and records what it did or sent. */
export type StepHandler<K extends Step['kind']> = (
  ctx: ControllerContext,
  lab: Lab,
  step: StepOf<K>,
) => Promise<void>;

/**
 * One entry per step `nextStep` can return. The mapped type makes the compiler refuse a `Step` without a handler,
 * and hands each handler its own step's fields (`await-task` gets its `taskHref`).
 */
export const STEPS: { readonly [K in Step['kind']]: StepHandler<K> } = {
  // `drive` stops before performing `none`; the entry is here for completeness of the table.
  none: () => Promise.resolve(),
  // Lifecycle (steps/lifecycle.ts).
  instantiate,
  'find-vapp': findVApp,
  'set-metadata': setMetadata,
  'await-task': awaitTask,
  'power-on': powerOn,
  suspend,
  dismantle,
  'close-without-vapp': close,
  // Networking (steps/network.ts).
  'configure-nics': configureNics,
  'allocate-ip': allocateIp,
  'apply-edge-rules': applyEdgeRules,
  'release-network': releaseNetwork,
  // Capture (steps/capture.ts).
  capture,
  'await-capture': (ctx, lab, step) => awaitCapture(ctx, lab, step.taskHref),
  'find-capture': findCapture,
  'capture-done': captureDone,
};

/** Performs the step with its entry of `STEPS`. */
export function performStep(ctx: ControllerContext, lab: Lab, step: Step): Promise<void> {
  // TypeScript cannot relate `STEPS[step.kind]` to `step` (a correlated union), so it types the lookup as a union of
  // handlers. The cast is sound: the entry under `step.kind` is the handler of exactly that step's kind.
  const handler = STEPS[step.kind] as StepHandler<Step['kind']>;
  return handler(ctx, lab, step);
}
