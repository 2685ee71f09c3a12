import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scriptReply } from '../../src/commands/lab-reply';
import { macMappingScripts, shQuote } from '../../src/labs/esxi-script';
import { type Lab, type NicInfo, type VmInfo } from '../../src/labs/lab';
import { renderReplyText } from '../../src/shell/render-text';
import { renderReplyBlocks } from '../../src/slack/render/render-reply';
import { blockViolations } from '../slack/block-kit-limits';

function nic(index: number, mac: string, adapterType?: string): NicInfo {
  return {
    index,
    network: index === 0 ? 'Management' : 'VM Network',
    mac,
    connected: true,
    ...(adapterType !== undefined ? { adapterType } : {}),
  };
}

function host(name: string, nics: NicInfo[]): VmInfo {
  return {
    name,
    href: `https://vcd/api/vApp/vm-${name}`,
    powerState: 'powered_on',
    cpus: 4,
    memoryMb: 16384,
    nics,
  };
}

function lab(vms: VmInfo[], esxiVms = vms.map((v) => v.name)): Pick<Lab, 'id' | 'vms' | 'network'> {
  return {
    id: 'demo-4kq',
    vms,
    network: {
      edge: 'edge-01',
      esxiVms,
      nicsConfigured: true,
      rulesApplied: true,
      access: [],
      released: false,
    },
  };
}

const ESXI_01 = host('esxi-01', [
  // VCD lists NICs in any order and may answer MACs in capitals.
  nic(2, '00:50:56:01:00:0C', 'E1000'),
  nic(0, '00:50:56:01:00:0a', 'VMXNET3'),
  nic(1, '00:50:56:01:00:0b', 'E1000'),
]);

describe('labs/esxi-script', () => {
  it('writes the golden script for a host with two VM-network vmnics', () => {
    const golden = join(__dirname, 'golden', 'mac-mapping-esxi-01.sh');

    const scripts = macMappingScripts(lab([ESXI_01]));

    expect(scripts.map((s) => s.host)).toEqual(['esxi-01']);
    const script = scripts[0]?.script ?? '';
    // UPDATE_GOLDEN=1 rewrites the file after a deliberate change; review its diff like code.
    if (process.env.UPDATE_GOLDEN === '1') {
      writeFileSync(golden, script);
    }
    expect(existsSync(golden)).toBe(true);
    expect(script).toBe(readFileSync(golden, 'utf8'));
  });

  it('gives each VM-network vmnic its own port group with only that vmnic active, forged transmits allowed', () => {
    const script = macMappingScripts(lab([ESXI_01]))[0]?.script ?? '';

    for (const n of [1, 2]) {
      expect(script).toContain(`portgroup add --portgroup-name=labbot-vmnic${n} --vswitch-name=vSwitchLab`);
      expect(script).toContain(
        `policy failover set --portgroup-name=labbot-vmnic${n} --active-uplinks=vmnic${n} --load-balancing=explicit`,
      );
      expect(script).toContain(
        `policy security set --portgroup-name=labbot-vmnic${n} --allow-forged-transmits=true --allow-mac-change=true`,
      );
    }
    // vmnic0 is the management NIC: never moved, never given a port group here.
    expect(script).not.toMatch(/vmnic0\b/);
    expect(script).toContain("labbot_set_mac VMID '00:50:56:01:00:0b' labbot-vmnic1");
    expect(script).toContain("labbot_set_mac VMID '00:50:56:01:00:0c' labbot-vmnic2");
  });

  it('writes one script per ESXi host, and none for a host whose MACs are not known yet', () => {
    const two = host('esxi-02', [nic(0, '00:50:56:02:00:0a'), nic(1, '00:50:56:02:00:0b', 'E1000')]);
    const pending = host('esxi-03', [nic(0, ''), nic(1, '')]);
    const vcsa = host('vcsa', [nic(0, '00:50:56:03:00:0a')]);

    const scripts = macMappingScripts(lab([ESXI_01, two, pending, vcsa], ['esxi-01', 'esxi-02', 'esxi-03']));

    expect(scripts.map((s) => s.host)).toEqual(['esxi-01', 'esxi-02']);
    expect(scripts[1]?.script).toContain("labbot_set_mac VMID '00:50:56:02:00:0b' labbot-vmnic1");
    expect(scripts[1]?.script).not.toContain('vmnic2');
    expect(macMappingScripts({ id: 'demo-x', vms: [ESXI_01] })).toEqual([]);
  });

  it('cannot be broken out of by a VM name or a lab id: they only appear in single-line comments', () => {
    const evil = "esxi'; rm -rf /vmfs\n$(reboot)\u2028`id`";
    const scripts = macMappingScripts({ ...lab([{ ...ESXI_01, name: evil }]), id: 'demo-4kq\nreboot' });

    const script = scripts[0]?.script ?? '';
    expect(scripts[0]?.host).toBe(evil);
    const mentioning = script
      .split('\n')
      .filter((line) => line.includes('rm -rf') || line.includes('reboot'));
    expect(mentioning).toHaveLength(1);
    expect(mentioning[0]).toMatch(/^# labbot: /);
    expect(script).not.toContain('\u2028');
  });

  it('quotes words for the shell', () => {
    expect(shQuote('plain')).toBe("'plain'");
    expect(shQuote("it's")).toBe("'it'\\''s'");
  });

  it('is shown per host as a code block, within Block Kit limits, and verbatim in the shell', () => {
    const reply = scriptReply({
      ...(lab([ESXI_01, host('esxi-02', [nic(1, '00:50:56:02:00:0b', 'E1000')])]) as Lab),
    });
    const message = renderReplyBlocks(reply);

    expect(blockViolations(message.blocks, 'message')).toEqual([]);
    const code = message.blocks
      .map((b) => (b.type === 'section' && b.text?.type === 'mrkdwn' ? b.text.text : ''))
      .filter((t) => t.startsWith('```'));
    expect(code.length).toBeGreaterThanOrEqual(2);
    // Quotes stay quotes (only & < > are escaped in mrkdwn), so a copied script runs.
    expect(code.join('\n')).toContain('grep -q "Powered off"');
    expect(code.join('\n')).toContain('2&gt;&amp;1');
    const text = renderReplyText(reply);
    expect(text).toContain('    labbot_set_mac() {');
    expect(text).toContain('>/dev/null 2>&1 ||');
  });
});
