import { Shutdown } from '../../src/start/running';

/** The order a running bot stops in: jobs and transport parts first, the Slack app, then the core it sits on. */
describe('Shutdown', () => {
  it('runs first, then added in order, then last ones most recent first', async () => {
    const order: string[] = [];
    const step = (name: string) => () => {
      order.push(name);
      return Promise.resolve();
    };
    const shutdown = new Shutdown();
    shutdown.last(step('core'));
    shutdown.add(step('controller pass'));
    shutdown.first(step('lab messages'));
    shutdown.last(step('slack app'));
    shutdown.add(step('reaper'), step('digest'));

    await shutdown.run();

    expect(order).toEqual(['lab messages', 'controller pass', 'reaper', 'digest', 'slack app', 'core']);
  });
});
