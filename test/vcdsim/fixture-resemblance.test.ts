/**
 * Issue 4, "must show" 1 (second half): the simulator's documents look like the real ones in ../shared/vcd-fixtures:
 * the same elements in the same order (less what the simulator does not model, named here) and the same links.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseXml, type XmlNode } from '../../src/vcd/wire/xml';
import {
  child,
  childrenOf,
  descendants,
  instantiate,
  instantiateBody,
  lookups,
  rels,
  startHarness,
  waitTask,
  type Harness,
} from './sim-harness';

const FIXTURES = path.resolve(__dirname, '../../../shared/vcd-fixtures');

function fixture(file: string): XmlNode {
  return parseXml(readFileSync(path.join(FIXTURES, file), 'utf8'));
}

/** Child element names, runs of the same name collapsed (`Link, Link, Description` → `Link, Description`). */
function shape(node: XmlNode | undefined): string[] {
  const names = (node?.children ?? []).map((c) => c.name);
  return names.filter((name, i) => name !== names[i - 1]);
}

/** Checks that `ours` has the fixture's elements, less `unmodelled`, in the fixture's order. */
function expectSameShape(
  ours: XmlNode | undefined,
  theirs: XmlNode | undefined,
  unmodelled: string[] = [],
): void {
  expect(theirs).toBeDefined();
  const expected = shape(theirs).filter((name) => !unmodelled.includes(name));
  const actual = shape(ours).filter((name) => expected.includes(name));
  expect(actual).toEqual(expected);
}

describe('vcdsim documents resemble the recorded real ones', () => {
  let h: Harness;
  let vAppHref: string;
  let vmHref: string;
  let instantiateTaskHref: string;

  beforeAll(async () => {
    h = await startHarness({ speedFactor: 100 });
    await h.api.login();
    const { vdcHref, networks, templates } = await lookups(h.api);
    const created = await instantiate(
      h.api,
      vdcHref,
      instantiateBody({
        name: 'lab-shape',
        templateHref: templates.get('esxi8-single') ?? '',
        networks,
        powerOn: true,
      }),
    );
    await waitTask(h.api, h.clock, created.taskHref, 100);
    instantiateTaskHref = created.taskHref;
    vAppHref = created.vAppHref;
    vmHref = descendants((await h.api.get(vAppHref)).xml, 'Vm')[0]?.attributes['href'] ?? '';
  });

  afterAll(async () => {
    await h.close();
  });

  it('Vm and its NetworkConnectionSection (jclouds vm/vm.xml)', async () => {
    const theirs = fixture('jclouds-vcloud-director/vm/vm.xml');
    const ours = (await h.api.get(vmHref)).xml;
    expect(Object.keys(ours?.attributes ?? {}).sort()).toEqual(
      Object.keys(theirs.attributes)
        .filter((a) => a !== 'schemaLocation')
        .sort(),
    );
    expectSameShape(ours, theirs, ['SnapshotSection', 'Environment', 'VmCapabilities', 'StorageProfile']);
    const theirSection = child(theirs, 'NetworkConnectionSection');
    const ourSection = child(ours, 'NetworkConnectionSection');
    expectSameShape(ourSection, theirSection);
    expect(rels(ourSection)).toEqual(rels(theirSection));
    // The fixture predates NetworkAdapterType (API 5.11); the rest of each connection matches element for element.
    expectSameShape(child(ourSection, 'NetworkConnection'), child(theirSection, 'NetworkConnection'));
    expect(Object.keys(child(ourSection, 'NetworkConnection')?.attributes ?? {}).sort()).toEqual([
      'needsCustomization',
      'network',
    ]);
  });

  it('LeaseSettingsSection (jclouds vapptemplate/leaseSettingsSection.xml)', async () => {
    const theirs = fixture('jclouds-vcloud-director/vapptemplate/leaseSettingsSection.xml');
    const ours = (await h.api.get(`${vAppHref}/leaseSettingsSection/`)).xml;
    expectSameShape(ours, theirs);
    expect(childrenOf(ours, 'Link').map((l) => [l.attributes['rel'], l.attributes['type']])).toEqual(
      childrenOf(theirs, 'Link').map((l) => [l.attributes['rel'], l.attributes['type']]),
    );
  });

  it('a powered-on VApp offers only links a real powered-on vApp offers (libcloud api_vApp_vapp_...6a.xml)', async () => {
    const theirs = fixture('libcloud/api_vApp_vapp_8c57a5b6_e61b_48ca_8a78_3b70ee65ef6a.xml');
    const ours = (await h.api.get(vAppHref)).xml;
    expect(theirs.attributes['status']).toBe('4');
    expect(ours?.attributes['status']).toBe('4');
    const theirRels = new Set(rels(theirs));
    expect(rels(ours).filter((rel) => !theirRels.has(rel))).toEqual([]);
    for (const rel of ['power:powerOff', 'power:shutdown', 'undeploy']) {
      expect(rels(ours)).toContain(rel);
    }
    expect(rels(ours)).not.toContain('power:powerOn');
  });

  it('Vdc (libcloud api_vdc_...d0.xml) and CatalogItem (libcloud api_catalogItem_...07.xml)', async () => {
    const vdcHref =
      childrenOf((await h.api.get(vAppHref)).xml, 'Link').find((l) => l.attributes['rel'] === 'up')
        ?.attributes['href'] ?? '';
    const vdc = (await h.api.get(vdcHref)).xml;
    expectSameShape(vdc, fixture('libcloud/api_vdc_3d9ae28c_1de9_4307_8107_9356ff8ba6d0.xml'));

    const org = await h.api.get((await h.api.get('/api/org')).xml?.children[0]?.attributes['href'] ?? '');
    const catalogHref =
      childrenOf(org.xml, 'Link').find(
        (l) => l.attributes['type'] === 'application/vnd.vmware.vcloud.catalog+xml',
      )?.attributes['href'] ?? '';
    const itemHref =
      descendants((await h.api.get(catalogHref)).xml, 'CatalogItem')[0]?.attributes['href'] ?? '';
    const item = (await h.api.get(itemHref)).xml;
    const theirs = fixture('libcloud/api_catalogItem_3132e037_759b_4627_9056_ca66466fa607.xml');
    expectSameShape(item, theirs);
    expect(child(item, 'Entity')?.attributes['type']).toBe(child(theirs, 'Entity')?.attributes['type']);
  });

  it('Task, succeeded and failed (jclouds task/task.xml, libcloud api_task_undeploy_error.xml)', async () => {
    h.sim.state.failNextTask('vappUndeployPowerOff', { message: 'Failed to power off.' });
    const undeploy = await h.api.post(
      `${vAppHref}/action/undeploy`,
      '<UndeployVAppParams xmlns="http://www.vmware.com/vcloud/v1.5"><UndeployPowerAction>powerOff</UndeployPowerAction></UndeployVAppParams>',
      'application/vnd.vmware.vcloud.undeployVAppParams+xml',
    );
    const failed = await waitTask(h.api, h.clock, undeploy.headers.get('location') ?? '', 100);
    for (const [theirs, ours] of [
      [fixture('jclouds-vcloud-director/task/task.xml'), (await h.api.get(instantiateTaskHref)).xml],
      [fixture('libcloud/api_task_undeploy_error.xml'), failed],
    ] as const) {
      const attributes = Object.keys(ours?.attributes ?? {});
      expect(
        Object.keys(theirs.attributes).filter((a) => a !== 'schemaLocation' && !attributes.includes(a)),
      ).toEqual([]);
      expectSameShape(ours, theirs);
    }
    expect(child(failed, 'Error')?.attributes).toMatchObject({
      majorErrorCode: '500',
      minorErrorCode: 'INTERNAL_SERVER_ERROR',
    });
  });
});
