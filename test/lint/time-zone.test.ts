/**
 * Rendered times, cost windows and ready-by schedules are asserted in UTC throughout the suite. jest.config.js sets
 * TZ before jest starts its workers; a setup file could not (the suite had one until 2 December 2026), because jest
 * hands each test file a copy of process.env, and only the real one makes Node switch zones.
 */
describe('the test suite’s time zone', () => {
  it('is UTC whatever the machine’s zone is', () => {
    expect(new Date('2026-07-01T12:00:00Z').getTimezoneOffset()).toBe(0);
    expect(new Date('2026-07-01T12:00:00Z').getHours()).toBe(12);
    expect(Intl.DateTimeFormat().resolvedOptions().timeZone).toBe('UTC');
  });
});
