import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/**
 * The bot scope each Slack Web API method labbot calls needs (docs.slack.dev/reference/methods/…); null when the
 * method needs none. A method missing here fails the test that checks calls against the manifest, so a new call
 * cannot ship without its scope being thought about.
 */
export const METHOD_SCOPES: Readonly<Record<string, string | null>> = {
  'auth.test': null,
  'chat.postMessage': 'chat:write',
  'chat.update': 'chat:write',
  'chat.postEphemeral': 'chat:write',
  'chat.delete': 'chat:write',
  'views.open': null,
  'views.publish': null,
  'usergroups.users.list': 'usergroups:read',
  'users.info': 'users:read',
  // Public channels; a private one needs groups:read as well (both are in manifest.yml).
  'conversations.members': 'channels:read',
  // The admin CSV export (`/lab cost all month csv`): into the caller's DM.
  'conversations.open': 'im:write',
  'files.getUploadURLExternal': 'files:write',
  'files.completeUploadExternal': 'files:write',
  // Called with the app-level token (connections:write), not a bot scope.
  'apps.connections.open': null,
};

/** The bot scopes manifest.yml asks for. */
export function manifestBotScopes(): string[] {
  const manifest = parse(readFileSync(join(__dirname, '..', '..', 'manifest.yml'), 'utf8')) as {
    oauth_config: { scopes: { bot: string[] } };
  };
  return manifest.oauth_config.scopes.bot;
}

/** Methods that are unknown to METHOD_SCOPES, or whose scope manifest.yml lacks. Empty when all is declared. */
export function undeclaredMethods(methods: readonly string[]): string[] {
  const scopes = new Set(manifestBotScopes());
  return [...new Set(methods)].filter((m) => {
    const scope = METHOD_SCOPES[m];
    return scope === undefined || (scope !== null && !scopes.has(scope));
  });
}
