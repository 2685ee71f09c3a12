import { type HomePublisher } from '../../views/home-publisher';

export interface AppHomeOpenedArgs {
  event: { user: string; tab?: string };
}

/**
 * `app_home_opened`: publishes the person's Home tab fresh each time they open it (Bolt has already acked the
 * event). Opening the Messages tab also sends this event; it is ignored. Never rejects.
 */
export function createAppHomeOpenedListener(home: HomePublisher): (args: AppHomeOpenedArgs) => Promise<void> {
  return async ({ event }) => {
    if (event.tab !== undefined && event.tab !== 'home') {
      return;
    }
    await home.publish(event.user);
  };
}
