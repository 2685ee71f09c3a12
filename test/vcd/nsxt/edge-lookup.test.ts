import {
  isDistributedOnly,
  isNsxt,
  ownedBy,
  pickNetwork,
  urnOf,
  uuidOf,
} from '../../../src/vcd/nsxt/edge-lookup';
import { readEdgeGateway } from '../../../src/vcd/nsxt/wire';

const VDC = 'urn:vcloud:vdc:7f1f3d6e-1111-4a4a-9999-0123456789ab';
const GROUP = 'urn:vcloud:vdcGroup:aa1f3d6e-2222-4a4a-9999-0123456789ab';

describe('edge lookup (pure parts)', () => {
  it('turns XML hrefs into URNs and back', () => {
    expect(urnOf('vdc', 'https://vcd.example.com/api/vdc/7f1f3d6e-1111-4a4a-9999-0123456789ab')).toBe(VDC);
    expect(urnOf('gateway', 'https://vcd/api/admin/edgeGateway/7F1F3D6E-1111-4A4A-9999-0123456789AB/')).toBe(
      'urn:vcloud:gateway:7F1F3D6E-1111-4A4A-9999-0123456789AB',
    );
    expect(uuidOf(VDC)).toBe('7f1f3d6e-1111-4a4a-9999-0123456789ab');
  });

  it('reads the backing, owner, IP Space use and VCD 10.6 deployment mode of an edge', () => {
    const edge = readEdgeGateway({
      id: 'urn:vcloud:gateway:1',
      name: 'edge-01',
      gatewayBacking: { gatewayType: 'NSXT_BACKED', backingId: 'x' },
      ownerRef: { id: GROUP, name: 'lab-group' },
      edgeGatewayUplinks: [
        {
          uplinkName: 'ext',
          usingIpSpace: true,
          subnets: {
            values: [
              {
                gateway: '203.0.113.1',
                prefixLength: 24,
                ipRanges: { values: [{ startAddress: '203.0.113.10' }] },
              },
            ],
          },
        },
      ],
      deploymentMode: 'DISTRIBUTED_ONLY',
    });
    expect(edge).toMatchObject({ backing: 'NSXT_BACKED', ownerRef: { id: GROUP } });
    expect(edge?.uplinks[0]).toMatchObject({
      usingIpSpace: true,
      subnets: [{ ipRanges: [{ startAddress: '203.0.113.10', endAddress: '203.0.113.10' }] }],
    });
    expect(edge && isDistributedOnly(edge)).toBe(true);
    expect(edge && ownedBy(edge, VDC)).toBe(true);
    expect(isNsxt('NSXT_IMPORTED')).toBe(true);
    expect(isNsxt('NSXV_BACKED')).toBe(false);
    expect(readEdgeGateway({ name: 'no id' })).toBeUndefined();
  });

  it('prefers the VDC’s own network, else the one a VDC group owns, never a guess between several', () => {
    const own = { id: 'urn:vcloud:network:1', name: 'Management', orgVdc: { id: VDC } };
    const group = { id: 'urn:vcloud:network:2', name: 'Management', ownerRef: { id: GROUP } };
    const other = {
      id: 'urn:vcloud:network:3',
      name: 'Management',
      ownerRef: { id: 'urn:vcloud:vdc:other' },
    };
    expect(pickNetwork([group, own, other], 'Management', VDC)).toBe(own);
    expect(pickNetwork([other, group], 'Management', VDC)).toBe(group);
    expect(pickNetwork([group, { ...group, id: 'urn:vcloud:network:4' }], 'Management', VDC)).toBeUndefined();
    expect(pickNetwork([other], 'Management', VDC)).toBeUndefined();
  });
});
