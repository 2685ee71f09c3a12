import { type ReplyFile } from '../commands/reply';
import { NO_METRICS, tracked, type SlackMetrics } from './slack-metrics';
import { type SlackWebClient } from './slack-web-client';

/** POSTs the bytes to Slack's upload URL (step 2); `fetch` in production, injected in tests. */
export type UploadBytes = (url: string, body: Buffer) => Promise<{ ok: boolean; status: number }>;

const postBytes: UploadBytes = async (url, body) => {
  const response = await fetch(url, { method: 'POST', body });
  return { ok: response.ok, status: response.status };
};

/**
 * Puts a reply's file (the admin CSV export) into the caller's DM with the app, Slack's external upload flow:
 * files.getUploadURLExternal, a POST of the bytes, files.completeUploadExternal with the DM as channel. A DM rather
 * than the channel the command came from: a cost export names every owner and ticket and is for the admin alone.
 * @throws the Web API's error (see slackErrorCode) or an Error when the upload URL refused the bytes.
 */
export async function uploadReplyFile(
  client: Pick<SlackWebClient, 'conversations' | 'files'>,
  user: string,
  file: ReplyFile,
  options: { upload?: UploadBytes; metrics?: SlackMetrics } = {},
): Promise<void> {
  const metrics = options.metrics ?? NO_METRICS;
  const upload = options.upload ?? postBytes;
  const bytes = Buffer.from(file.content, 'utf8');
  const conversations = client.conversations;
  if (conversations === undefined) {
    throw new Error('This Slack client cannot open a DM (conversations.open)');
  }
  const dm = await tracked(metrics, 'conversations.open', () => conversations.open({ users: user }));
  const channel = dm.channel?.id;
  const target = await tracked(metrics, 'files.getUploadURLExternal', () =>
    client.files.getUploadURLExternal({ filename: file.name, length: bytes.length }),
  );
  if (channel === undefined || target.upload_url === undefined || target.file_id === undefined) {
    throw new Error('Slack answered without a DM channel, upload URL or file id');
  }
  const posted = await upload(target.upload_url, bytes);
  if (!posted.ok) {
    throw new Error(`Slack's upload URL answered HTTP ${posted.status}`);
  }
  await tracked(metrics, 'files.completeUploadExternal', () =>
    client.files.completeUploadExternal({
      files: [{ id: target.file_id ?? '', title: file.title }],
      channel_id: channel,
    }),
  );
}
