/**
 * Drives a simulator over real HTTP with an injected clock, and keeps every XML body it answers so the crawl
 * test can validate them all against VMware's XSD.
 */
import { parseXml, type XmlNode } from '../../src/vcd/wire/xml';
import { startVcdSim, type VcdSim, type VcdSimOptions } from '../../src/vcdsim/vcd-sim';

export const API_VERSION = '36.0';

/** Milliseconds since the epoch that the tests move by hand. */
export class FakeClock {
  constructor(public current = Date.parse('2026-11-24T09:00:00Z')) {}
  readonly now = (): number => this.current;
  advance(ms: number): void {
    this.current += ms;
  }
}

export interface SimReply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The parsed body when it is XML. */
  readonly xml?: XmlNode;
}

export interface Harness {
  readonly sim: VcdSim;
  readonly clock: FakeClock;
  readonly api: SimApi;
  close(): Promise<void>;
}

/** Starts a simulator on an ephemeral port with a fake clock at speed factor 1 unless told otherwise. */
export async function startHarness(options: VcdSimOptions = {}): Promise<Harness> {
  const clock = new FakeClock();
  const sim = await startVcdSim({ now: clock.now, ...options });
  const api = new SimApi(sim.url);
  return { sim, clock, api, close: () => sim.close() };
}

export interface RequestOptions {
  readonly body?: string;
  readonly contentType?: string;
  readonly headers?: Record<string, string>;
  /** Skip the session token (for 401 tests). */
  readonly anonymous?: boolean;
  /** Override the Accept header. */
  readonly accept?: string;
}

/** A thin client: Accept with version, session token, and a record of every XML body received. */
export class SimApi {
  token: string | undefined;
  readonly collected: { name: string; xml: string }[] = [];

  constructor(
    readonly base: string,
    public version = API_VERSION,
  ) {}

  /** Logs in through CloudAPI with Basic auth and keeps the bearer token. */
  async login(user = 'admin@lab', password = 'admin'): Promise<void> {
    const res = await fetch(`${this.base}/cloudapi/1.0.0/sessions`, {
      method: 'POST',
      headers: {
        Accept: `application/json;version=${this.version}`,
        Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
      },
    });
    if (res.status !== 200) {
      throw new Error(`login failed: ${res.status}`);
    }
    this.token = res.headers.get('x-vmware-vcloud-access-token') ?? undefined;
  }

  async request(method: string, pathOrUrl: string, options: RequestOptions = {}): Promise<SimReply> {
    const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${this.base}${pathOrUrl}`;
    const headers: Record<string, string> = {
      Accept: options.accept ?? `application/*+xml;version=${this.version}`,
      ...options.headers,
    };
    if (this.token !== undefined && options.anonymous !== true) {
      headers['Authorization'] = `Bearer ${this.token}`;
    }
    if (options.contentType !== undefined) {
      headers['Content-Type'] = options.contentType;
    }
    const res = await fetch(url, { method, headers, body: options.body });
    const text = await res.text();
    const isXml = (res.headers.get('content-type') ?? '').includes('xml') && text.trim() !== '';
    if (isXml) {
      this.collected.push({ name: `${method} ${url.replace(this.base, '')} -> ${res.status}`, xml: text });
    }
    return { status: res.status, headers: res.headers, text, xml: isXml ? parseXml(text) : undefined };
  }

  get(path: string, options?: RequestOptions): Promise<SimReply> {
    return this.request('GET', path, options);
  }
  post(path: string, body?: string, contentType?: string, options?: RequestOptions): Promise<SimReply> {
    return this.request('POST', path, { ...options, body, contentType });
  }
  put(path: string, body: string, contentType: string): Promise<SimReply> {
    return this.request('PUT', path, { body, contentType });
  }
  delete(path: string): Promise<SimReply> {
    return this.request('DELETE', path);
  }
}

// ---------------------------------------------------------------------------------------------- XML reading

export function child(node: XmlNode | undefined, name: string): XmlNode | undefined {
  return node?.children.find((c) => c.name === name);
}

export function childrenOf(node: XmlNode | undefined, name: string): XmlNode[] {
  return node?.children.filter((c) => c.name === name) ?? [];
}

export function descendants(node: XmlNode | undefined, name: string): XmlNode[] {
  if (node === undefined) {
    return [];
  }
  return node.children.flatMap((c) => [...(c.name === name ? [c] : []), ...descendants(c, name)]);
}

/** The rels of the Link children of a node. */
export function rels(node: XmlNode | undefined): string[] {
  return childrenOf(node, 'Link').map((l) => l.attributes['rel'] ?? '');
}

export function linkHref(node: XmlNode | undefined, rel: string): string | undefined {
  return childrenOf(node, 'Link').find((l) => l.attributes['rel'] === rel)?.attributes['href'];
}

// ---------------------------------------------------------------------------------------------- request bodies

export const MEDIA_INSTANTIATE = 'application/vnd.vmware.vcloud.instantiateVAppTemplateParams+xml';
export const MEDIA_UNDEPLOY = 'application/vnd.vmware.vcloud.undeployVAppParams+xml';
export const MEDIA_METADATA = 'application/vnd.vmware.vcloud.metadata+xml';
export const MEDIA_METADATA_VALUE = 'application/vnd.vmware.vcloud.metadata.value+xml';

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** An InstantiateVAppTemplateParams body in XSD order, bridging both template networks to the org networks. */
export function instantiateBody(options: {
  name: string;
  templateHref: string;
  networks?: { name: string; href: string }[];
  powerOn?: boolean;
  deploy?: boolean;
  description?: string;
  deploymentLeaseSeconds?: number;
}): string {
  const networks = (options.networks ?? [])
    .map(
      (n) => `      <NetworkConfig networkName="${esc(n.name)}">
        <Configuration>
          <ParentNetwork href="${esc(n.href)}"/>
          <FenceMode>bridged</FenceMode>
        </Configuration>
      </NetworkConfig>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<InstantiateVAppTemplateParams xmlns="http://www.vmware.com/vcloud/v1.5" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1"
    name="${esc(options.name)}" deploy="${String(options.deploy ?? false)}" powerOn="${String(options.powerOn ?? false)}">
  <Description>${esc(options.description ?? 'lab')}</Description>
  <InstantiationParams>
    <NetworkConfigSection>
      <ovf:Info>Networks</ovf:Info>
${networks}
    </NetworkConfigSection>
    <LeaseSettingsSection>
      <ovf:Info>Lease</ovf:Info>
      <DeploymentLeaseInSeconds>${options.deploymentLeaseSeconds ?? 14400}</DeploymentLeaseInSeconds>
      <StorageLeaseInSeconds>86400</StorageLeaseInSeconds>
    </LeaseSettingsSection>
  </InstantiationParams>
  <Source href="${esc(options.templateHref)}"/>
  <AllEULAsAccepted>true</AllEULAsAccepted>
</InstantiateVAppTemplateParams>`;
}

export function undeployBody(action = 'powerOff'): string {
  return `<UndeployVAppParams xmlns="http://www.vmware.com/vcloud/v1.5"><UndeployPowerAction>${action}</UndeployPowerAction></UndeployVAppParams>`;
}

export function metadataValueBody(value: string, type = 'MetadataStringValue'): string {
  return `<MetadataValue xmlns="http://www.vmware.com/vcloud/v1.5" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <Domain visibility="READWRITE">GENERAL</Domain>
  <TypedValue xsi:type="${type}"><Value>${esc(value)}</Value></TypedValue>
</MetadataValue>`;
}

export function metadataBody(entries: Record<string, string>): string {
  const items = Object.entries(entries)
    .map(
      ([key, value]) =>
        `  <MetadataEntry><Key>${esc(key)}</Key><TypedValue xsi:type="MetadataStringValue"><Value>${esc(value)}</Value></TypedValue></MetadataEntry>`,
    )
    .join('\n');
  return `<Metadata xmlns="http://www.vmware.com/vcloud/v1.5" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
${items}
</Metadata>`;
}

// ---------------------------------------------------------------------------------------------- flows

/** Finds hrefs by query the way a client would. */
export async function lookups(api: SimApi): Promise<{
  vdcHref: string;
  networks: { name: string; href: string }[];
  templates: Map<string, string>;
}> {
  const vdc = await api.get('/api/query?type=orgVdc&format=records&filter=name==lab-vdc');
  const vdcHref = child(vdc.xml, 'OrgVdcRecord')?.attributes['href'] ?? '';
  const networks: { name: string; href: string }[] = [];
  for (const name of ['Management', 'VM Network']) {
    const res = await api.get(
      `/api/query?type=orgVdcNetwork&format=records&filter=name==${encodeURIComponent(name)}`,
    );
    networks.push({ name, href: child(res.xml, 'OrgVdcNetworkRecord')?.attributes['href'] ?? '' });
  }
  const res = await api.get('/api/query?type=vAppTemplate&format=records&filter=catalogName==labs');
  const templates = new Map(
    childrenOf(res.xml, 'VAppTemplateRecord').map((r) => [
      r.attributes['name'] ?? '',
      r.attributes['href'] ?? '',
    ]),
  );
  return { vdcHref, networks, templates };
}

/** Instantiates a template and returns the vApp href and the task href from the 201 body. */
export async function instantiate(
  api: SimApi,
  vdcHref: string,
  body: string,
): Promise<{ reply: SimReply; vAppHref: string; taskHref: string }> {
  const reply = await api.post(`${vdcHref}/action/instantiateVAppTemplate`, body, MEDIA_INSTANTIATE);
  const vAppHref = reply.xml?.attributes['href'] ?? '';
  const taskHref = child(child(reply.xml, 'Tasks'), 'Task')?.attributes['href'] ?? '';
  return { reply, vAppHref, taskHref };
}

/** Polls a task, advancing the fake clock between polls, until it ends; returns the final Task. */
export async function waitTask(
  api: SimApi,
  clock: FakeClock,
  taskHref: string,
  stepMs = 1000,
): Promise<XmlNode> {
  for (let i = 0; i < 1000; i += 1) {
    const res = await api.get(taskHref);
    const status = res.xml?.attributes['status'];
    if (status !== 'queued' && status !== 'running' && res.xml !== undefined) {
      return res.xml;
    }
    clock.advance(stepMs);
  }
  throw new Error(`task ${taskHref} never ended`);
}

// ---------------------------------------------------------------------------------------------- more bodies

export const MEDIA_NCS = 'application/vnd.vmware.vcloud.networkConnectionSection+xml';
export const MEDIA_LEASE = 'application/vnd.vmware.vcloud.leaseSettingsSection+xml';
export const MEDIA_CAPTURE = 'application/vnd.vmware.vcloud.captureVAppParams+xml';
export const MEDIA_USAGE_SPEC = 'application/vnd.vmware.vcloud.metrics.currentUsageSpec+xml';
export const MEDIA_EDGE_SERVICES = 'application/vnd.vmware.admin.edgeGatewayServiceConfiguration+xml';

export interface NicInput {
  network: string;
  index: number;
  mode: 'POOL' | 'DHCP' | 'MANUAL' | 'NONE';
  ip?: string;
  mac?: string;
  adapter?: string;
  connected?: boolean;
}

/** A NetworkConnectionSection body in XSD order. */
export function ncsBody(nics: NicInput[], primary?: number): string {
  const items = nics
    .map(
      (n) => `  <NetworkConnection network="${esc(n.network)}">
    <NetworkConnectionIndex>${n.index}</NetworkConnectionIndex>${n.ip === undefined ? '' : `\n    <IpAddress>${n.ip}</IpAddress>`}
    <IsConnected>${String(n.connected ?? true)}</IsConnected>${n.mac === undefined ? '' : `\n    <MACAddress>${n.mac}</MACAddress>`}
    <IpAddressAllocationMode>${n.mode}</IpAddressAllocationMode>${n.adapter === undefined ? '' : `\n    <NetworkAdapterType>${n.adapter}</NetworkAdapterType>`}
  </NetworkConnection>`,
    )
    .join('\n');
  return `<NetworkConnectionSection xmlns="http://www.vmware.com/vcloud/v1.5" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1">
  <ovf:Info>Network connections</ovf:Info>${primary === undefined ? '' : `\n  <PrimaryNetworkConnectionIndex>${primary}</PrimaryNetworkConnectionIndex>`}
${items}
</NetworkConnectionSection>`;
}

/** A LeaseSettingsSection body. */
export function leaseBody(deploymentLeaseSeconds?: number, storageLeaseSeconds?: number): string {
  return `<LeaseSettingsSection xmlns="http://www.vmware.com/vcloud/v1.5" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1">
  <ovf:Info>Lease settings section</ovf:Info>${deploymentLeaseSeconds === undefined ? '' : `\n  <DeploymentLeaseInSeconds>${deploymentLeaseSeconds}</DeploymentLeaseInSeconds>`}${storageLeaseSeconds === undefined ? '' : `\n  <StorageLeaseInSeconds>${storageLeaseSeconds}</StorageLeaseInSeconds>`}
</LeaseSettingsSection>`;
}

/** A CaptureVAppParams body (with a CustomizationSection, as govcd sends it). */
export function captureBody(name: string, vAppHref: string, targetCatalogItemHref?: string): string {
  return `<CaptureVAppParams xmlns="http://www.vmware.com/vcloud/v1.5" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1" name="${esc(name)}">
  <Description>captured lab</Description>
  <Source href="${esc(vAppHref)}"/>
  <CustomizationSection>
    <ovf:Info>VApp template customization section</ovf:Info>
    <CustomizeOnInstantiate>false</CustomizeOnInstantiate>
  </CustomizationSection>${targetCatalogItemHref === undefined ? '' : `\n  <TargetCatalogItem href="${esc(targetCatalogItemHref)}"/>`}
</CaptureVAppParams>`;
}

/** A CurrentUsageSpec body. */
export function usageSpecBody(patterns: string[]): string {
  return `<CurrentUsageSpec xmlns="http://www.vmware.com/vcloud/v1.5">${patterns
    .map((p) => `<MetricPattern>${esc(p)}</MetricPattern>`)
    .join('')}</CurrentUsageSpec>`;
}

export interface NatInput {
  type: 'DNAT' | 'SNAT';
  interfaceHref: string;
  originalIp: string;
  translatedIp: string;
  originalPort?: string;
  translatedPort?: string;
  protocol?: string;
  id?: number;
  description?: string;
}

export interface FirewallInput {
  description: string;
  sourceIp: string;
  destinationIp: string;
  port?: string;
  protocol?: 'Tcp' | 'Udp' | 'Any' | 'Icmp';
  policy?: string;
  id?: string;
}

function natRuleXml(r: NatInput): string {
  const opt = (name: string, value: string | number | undefined): string =>
    value === undefined ? '' : `<${name}>${esc(String(value))}</${name}>`;
  return `<NatRule>${opt('Description', r.description)}<RuleType>${r.type}</RuleType><IsEnabled>true</IsEnabled>${opt('Id', r.id)}<GatewayNatRule><Interface href="${esc(r.interfaceHref)}"/><OriginalIp>${r.originalIp}</OriginalIp>${opt('OriginalPort', r.originalPort)}<TranslatedIp>${r.translatedIp}</TranslatedIp>${opt('TranslatedPort', r.translatedPort)}${opt('Protocol', r.protocol)}</GatewayNatRule></NatRule>`;
}

function firewallRuleXml(r: FirewallInput): string {
  return `<FirewallRule>${r.id === undefined ? '' : `<Id>${r.id}</Id>`}<IsEnabled>true</IsEnabled><Description>${esc(r.description)}</Description><Policy>${r.policy ?? 'allow'}</Policy><Protocols><${r.protocol ?? 'Tcp'}>true</${r.protocol ?? 'Tcp'}></Protocols><Port>-1</Port><DestinationPortRange>${r.port ?? 'Any'}</DestinationPortRange><DestinationIp>${r.destinationIp}</DestinationIp><SourcePort>-1</SourcePort><SourcePortRange>Any</SourcePortRange><SourceIp>${r.sourceIp}</SourceIp><EnableLogging>false</EnableLogging></FirewallRule>`;
}

/** An EdgeGatewayServiceConfiguration with the services given (FirewallService first, as VCD writes it). */
export function edgeServicesBody(services: {
  nat?: NatInput[];
  firewall?: { defaultAction?: string; rules: FirewallInput[] };
}): string {
  const firewall =
    services.firewall === undefined
      ? ''
      : `<FirewallService><IsEnabled>true</IsEnabled><DefaultAction>${services.firewall.defaultAction ?? 'drop'}</DefaultAction><LogDefaultAction>false</LogDefaultAction>${services.firewall.rules.map(firewallRuleXml).join('')}</FirewallService>`;
  const nat =
    services.nat === undefined
      ? ''
      : `<NatService><IsEnabled>true</IsEnabled>${services.nat.map(natRuleXml).join('')}</NatService>`;
  return `<EdgeGatewayServiceConfiguration xmlns="http://www.vmware.com/vcloud/v1.5">${firewall}${nat}</EdgeGatewayServiceConfiguration>`;
}

/** The edge gateway's href and the hrefs of its interfaces' networks, by name, read from the API. */
export async function edgeLookup(api: SimApi): Promise<{ href: string; interfaces: Map<string, string> }> {
  const records = await api.get('/api/query?type=edgeGateway&format=records');
  const href = child(records.xml, 'EdgeGatewayRecord')?.attributes['href'] ?? '';
  const edge = await api.get(href);
  const interfaces = new Map(
    descendants(edge.xml, 'GatewayInterface').map((i) => [
      child(i, 'Name')?.text ?? '',
      child(i, 'Network')?.attributes['href'] ?? '',
    ]),
  );
  return { href, interfaces };
}
