import { macMappingScripts } from '../../src/labs/esxi-script';
import { type Lab, type NicInfo, type VmInfo } from '../../src/labs/lab';

/**
 * Which ESXi hosts get a 1:1 MAC script (src/labs/esxi-script.ts), and what a lab id with line breaks becomes in
 * the script's comment: the cases where a wrong script would be handed to the owner.
 */
const nic = (index: number, mac: string): NicInfo => ({
  index,
  network: index === 0 ? 'Management' : 'VM Network',
  mac,
  connected: true,
});

const host = (name: string, nics: NicInfo[]): VmInfo => ({
  name,
  href: `https://vcd/api/vApp/vm-${name}`,
  powerState: 'powered_on',
  cpus: 4,
  memoryMb: 16384,
  nics,
});

const lab = (vms: VmInfo[], esxiVms: string[], id = 'demo-4kq'): Pick<Lab, 'id' | 'vms' | 'network'> => ({
  id,
  vms,
  network: {
    edge: 'edge-01',
    esxiVms,
    nicsConfigured: true,
    rulesApplied: true,
    access: [],
    released: false,
  },
});

const READY = host('esxi-01', [nic(0, '00:50:56:01:00:0a'), nic(1, '00:50:56:01:00:0b')]);

describe('labs/esxi-script hosts', () => {
  it('writes no script for a host with only its management NIC', () => {
    const managementOnly = host('esxi-02', [nic(0, '00:50:56:02:00:0a')]);
    expect(
      macMappingScripts(lab([READY, managementOnly], ['esxi-01', 'esxi-02'])).map((s) => s.host),
    ).toEqual(['esxi-01']);
  });

  it('writes no script for a host while any one of its VM-network MACs is not assigned yet', () => {
    const half = host('esxi-02', [nic(0, '00:50:56:02:00:0a'), nic(1, '00:50:56:02:00:0b'), nic(2, '')]);
    expect(macMappingScripts(lab([READY, half], ['esxi-01', 'esxi-02'])).map((s) => s.host)).toEqual([
      'esxi-01',
    ]);
  });

  it('skips an ESXi host the vApp does not list (yet), and writes the others', () => {
    expect(macMappingScripts(lab([READY], ['esxi-09', 'esxi-01'])).map((s) => s.host)).toEqual(['esxi-01']);
  });

  it('turns line breaks in the lab id into spaces in the heading comment', () => {
    const [script] = macMappingScripts(lab([READY], ['esxi-01'], 'demo-4kq\r\nreboot'));
    expect(script?.script.split('\n')[1]).toBe(
      '# labbot: the 1:1 MAC mapping for lab demo-4kq  reboot, ESXi host esxi-01.',
    );
  });
});
