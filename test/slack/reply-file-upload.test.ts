import { webApi } from '@slack/bolt';
import { uploadReplyFile } from '../../src/slack/reply-file-upload';
import { type SlackWebClient } from '../../src/slack/slack-web-client';
import { FakeSlackApi } from '../helpers/fake-slack-api';
import { undeclaredMethods } from './manifest-scopes';

describe('slack/reply-file-upload', () => {
  let fake: FakeSlackApi;
  let client: SlackWebClient;

  beforeAll(async () => {
    fake = await FakeSlackApi.start();
    client = new webApi.WebClient('xoxb-test', { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } });
  });
  afterEach(() => fake.reset());
  afterAll(() => fake.stop());

  const file = {
    name: 'labbot-cost-month-2026-03-01.csv',
    title: 'labbot cost, this month',
    mimeType: 'text/csv' as const,
    content: 'owner,cost_usd\r\nU1,"\'=1+1"\r\n',
  };

  it('uploads the bytes through the external upload flow and shares the file in the caller’s DM', async () => {
    await uploadReplyFile(client, 'U0ADMIN', file);

    expect(fake.calls.map((c) => c.method)).toEqual([
      'conversations.open',
      'files.getUploadURLExternal',
      'file_upload',
      'files.completeUploadExternal',
    ]);
    expect(fake.callsTo('conversations.open')[0]?.body).toMatchObject({ users: 'U0ADMIN' });
    expect(fake.callsTo('files.getUploadURLExternal')[0]?.body).toMatchObject({
      filename: file.name,
      length: String(Buffer.byteLength(file.content)),
    });
    expect(fake.callsTo('file_upload')[0]?.body).toEqual({ content: file.content });
    expect(fake.callsTo('files.completeUploadExternal')[0]?.body).toMatchObject({
      channel_id: 'D0ADMIN',
      files: [{ id: 'F0FILE1', title: file.title }],
    });
    expect(undeclaredMethods(fake.calls.map((c) => c.method).filter((m) => m !== 'file_upload'))).toEqual([]);
  });

  it('fails with Slack’s error and shares nothing when the scope is missing', async () => {
    fake.fail('files.getUploadURLExternal', { error: 'missing_scope' });

    await expect(uploadReplyFile(client, 'U0ADMIN', file)).rejects.toMatchObject({
      data: { error: 'missing_scope' },
    });
    expect(fake.callsTo('files.completeUploadExternal')).toEqual([]);
  });
});
