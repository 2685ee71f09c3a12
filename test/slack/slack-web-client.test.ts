import { LogLevel } from '@slack/bolt';
import { BoltLoggerAdapter } from '../../src/slack/bolt-logger';
import {
  DEFAULT_SLACK_RETRY_POLICY,
  slackClientOptions,
  slackErrorCode,
} from '../../src/slack/slack-web-client';
import { recordingLogger } from '../helpers/logger';

describe('slack/slack-web-client', () => {
  it('retries with a bounded policy, waits out 429s instead of rejecting them, and times requests out', () => {
    const options = slackClientOptions({ apiUrl: 'http://127.0.0.1:1/api/' });

    expect(DEFAULT_SLACK_RETRY_POLICY.retries).toBe(5);
    expect(options).toMatchObject({
      slackApiUrl: 'http://127.0.0.1:1/api/',
      retryConfig: { retries: 5 },
      rejectRateLimitedCalls: false,
      timeout: 10_000,
    });
  });

  it('leaves slackApiUrl to web-api (https://slack.com/api/) when SLACK_API_URL is not set', () => {
    expect(slackClientOptions({})).not.toHaveProperty('slackApiUrl');
  });

  it('reads the Slack error code of a failed call, and nothing from other errors', () => {
    expect(
      slackErrorCode(Object.assign(new Error('x'), { data: { ok: false, error: 'not_in_channel' } })),
    ).toBe('not_in_channel');
    expect(slackErrorCode(new Error('socket hang up'))).toBeUndefined();
    expect(slackErrorCode('nope')).toBeUndefined();
  });
});

describe('slack/bolt-logger', () => {
  it('turns SDK log calls into structured entries with a static message, the text as detail and errors as err', () => {
    const logger = recordingLogger();
    const adapter = new BoltLoggerAdapter(logger);
    const error = new Error('boom');

    adapter.warn('Failed to parse', { a: 1 }, error);

    expect(logger.lines).toEqual([
      {
        level: 'warn',
        message: 'Slack SDK log',
        fields: { sdk: 'bolt', detail: 'Failed to parse {"a":1}', err: error },
      },
    ]);
  });

  it('drops entries below the level Bolt sets', () => {
    const logger = recordingLogger();
    const adapter = new BoltLoggerAdapter(logger);

    adapter.setLevel(LogLevel.WARN);
    adapter.info('noise');
    adapter.debug('http request body: {...}');
    adapter.error('kept');

    expect(logger.lines.map((e) => e.fields.detail)).toEqual(['kept']);
    expect(adapter.getLevel()).toBe(LogLevel.WARN);
  });
});
