/** Every route the simulator serves, in match order. */
import { type Route } from '../http/sim-http';
import { authRoutes } from './auth-routes';
import { catalogRoutes } from './catalog-routes';
import { cloudApiRoutes } from './cloudapi-routes';
import { edgeRoutes } from './edge-routes';
import { metadataRoutes } from './metadata-routes';
import { sectionRoutes } from './section-routes';
import { taskRoutes } from './task-routes';
import { vAppRoutes } from './vapp-routes';

export const ALL_ROUTES: readonly Route[] = [
  ...authRoutes,
  ...catalogRoutes,
  ...vAppRoutes,
  ...sectionRoutes,
  ...metadataRoutes,
  ...edgeRoutes,
  ...taskRoutes,
  ...cloudApiRoutes,
];
