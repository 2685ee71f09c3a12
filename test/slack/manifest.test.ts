import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type App } from '@slack/bolt';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { DEPLOY_FORM_ACTION } from '../../src/commands/home-reply';
import { LAB_ACTION_IDS } from '../../src/commands/lab-actions';
import { registerListeners, type ListenerDeps } from '../../src/slack/listeners';
import { METHOD_SCOPES, undeclaredMethods } from './manifest-scopes';

const SHARED = join(__dirname, '..', '..', '..', 'shared', 'slack');
const REMOTE = 'https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas';

function readJson(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

/** Slack's manifest schema, compiled offline: the entry schema's remote $refs are served from the local copies. */
function compileManifestSchema() {
  const ajv = new Ajv({ strict: false, allErrors: true });
  // The schema uses `format: "uri"`; ajv 8 ships no formats, so define the one it needs instead of ignoring it.
  ajv.addFormat('uri', (value: string) => URL.canParse(value));
  for (const version of ['1.0.0', '2.0.0']) {
    ajv.addSchema(
      readJson(join(SHARED, 'schemas', `manifest.schema.${version}.json`)),
      `${REMOTE}/manifest.schema.${version}.json`,
    );
  }
  return ajv.compile(readJson(join(SHARED, 'manifest.schema.json')));
}

/** The parts of the manifest these tests read; the schema checks the rest. */
interface LabbotManifest {
  display_information: { background_color?: string };
  features: {
    app_home: { home_tab_enabled: boolean };
    slash_commands: { command: string; url: string; usage_hint: string; should_escape: boolean }[];
  };
  oauth_config: { scopes: { bot: string[] } };
  settings: Record<string, unknown> & {
    event_subscriptions: { bot_events: string[] };
    interactivity: { is_enabled: boolean };
    socket_mode_enabled: boolean;
  };
}

function loadManifest(): LabbotManifest {
  return parse(readFileSync(join(__dirname, '..', '..', 'manifest.yml'), 'utf8')) as LabbotManifest;
}

describe('manifest.yml', () => {
  const validate = compileManifestSchema();

  it('validates against Slack manifest JSON Schema', () => {
    const manifest = loadManifest();

    const valid = validate(manifest);

    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    // The schema's colour pattern uses the non-standard `regex` keyword, which ajv does not enforce.
    expect(manifest.display_information.background_color).toMatch(/^#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$/);
  });

  it('is checked by a schema that rejects a typo in a key (the oracle is not vacuous)', () => {
    const manifest = loadManifest();
    manifest.settings.socket_mode_enabeld = false;

    expect(validate(manifest)).toBe(false);
  });

  it('declares /lab at /slack/events with the subcommands in its usage hint', () => {
    const manifest = loadManifest();

    const command = manifest.features.slash_commands[0];

    expect(manifest.features.slash_commands).toHaveLength(1);
    expect(command?.command).toBe('/lab');
    expect(command?.url).toMatch(/^https:\/\/[^/]+\/slack\/events$/);
    for (const sub of [
      'demo',
      'repro',
      'list',
      'status',
      'extend',
      'suspend',
      'resume',
      'teardown',
      'handoff',
      'cost',
      'capture',
      'templates',
      'help',
    ]) {
      expect(command?.usage_hint).toContain(sub);
    }
    expect(command?.should_escape).toBe(true);
  });

  it('subscribes to app_home_opened, enables interactivity and the Home tab, and runs in HTTP mode', () => {
    const manifest = loadManifest();

    expect(manifest.settings.event_subscriptions.bot_events).toEqual(['app_home_opened']);
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
    expect(manifest.settings.socket_mode_enabled).toBe(false);
  });

  it('asks only for the bot scopes labbot uses', () => {
    const manifest = loadManifest();

    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual([
      // conversations.members, for `/lab class … for #channel` (public, private).
      'channels:read',
      'chat:write',
      'chat:write.public',
      'commands',
      'files:write',
      'groups:read',
      'im:write',
      'usergroups:read',
      'users:read',
    ]);
  });
  it('declares every command, event and interaction the app registers listeners for', async () => {
    const manifest = loadManifest();
    /** What a button press meets first: the filter that lets only labbot's action ids through to the listener. */
    type ButtonFilter = (args: { action: { action_id: string }; next: () => Promise<void> }) => Promise<void>;
    const registered = {
      commands: [] as string[],
      events: [] as string[],
      actions: [] as { constraints: unknown; filter: ButtonFilter }[],
      views: [] as unknown[],
    };
    const app = {
      command: (name: string) => registered.commands.push(name),
      event: (name: string) => registered.events.push(name),
      action: (constraints: unknown, filter: ButtonFilter) =>
        registered.actions.push({ constraints, filter }),
      view: (id: unknown) => registered.views.push(id),
    } as unknown as App;
    const unused = () => {
      throw new Error('not called while registering');
    };

    registerListeners(app, {
      commands: { run: unused },
      logger: { child: () => ({}) },
      sleep: unused,
      client: {},
      metrics: {},
      home: {},
      form: {},
      refreshLab: unused,
    } as unknown as ListenerDeps);

    expect(registered.commands).toEqual(manifest.features.slash_commands.map((c) => c.command));
    expect(registered.events).toEqual(manifest.settings.event_subscriptions.bot_events);
    // Every button is one listener (Bolt runs each listener's middleware for every request); it takes each lab
    // button's action id and the Home tab's deploy button, and nothing else.
    expect(registered.actions).toHaveLength(1);
    const [buttons] = registered.actions;
    expect(buttons?.constraints).toEqual({ type: 'block_actions' });
    const takes = async (actionId: string): Promise<boolean> => {
      let taken = false;
      await buttons?.filter({
        action: { action_id: actionId },
        next: () => Promise.resolve(void (taken = true)),
      });
      return taken;
    };
    for (const actionId of [...LAB_ACTION_IDS, DEPLOY_FORM_ACTION]) {
      expect(await takes(actionId)).toBe(true);
    }
    expect(await takes('someone_elses_button')).toBe(false);
    expect(registered.views).toHaveLength(1);
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
  });

  it('asks for the scope of every Web API method labbot calls', () => {
    expect(undeclaredMethods(Object.keys(METHOD_SCOPES))).toEqual([]);
  });
});
