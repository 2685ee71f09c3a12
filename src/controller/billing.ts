import { type Lab } from '../labs/lab';

/** Folds the running powered-on interval into the total: CPU and RAM stop billing from `now`. */
export function stopBilling(lab: Lab, now: Date): Lab {
  if (!lab.poweredOnSince) {
    return lab;
  }
  const { poweredOnSince, ...rest } = lab;
  return { ...rest, poweredOnMs: lab.poweredOnMs + Math.max(0, now.getTime() - poweredOnSince.getTime()) };
}
