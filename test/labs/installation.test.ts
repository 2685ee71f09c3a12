import { checkInstallation } from '../../src/compose-core';
import { ConfigError } from '../../src/config/config-error';
import { EMBEDDED_SIMULATOR, describeVcd, managedVcd, vcdDifferences } from '../../src/labs/installation';
import { type Installation, type InstallationStore, type ManagedVcd } from '../../src/labs/ports';

class OneRow implements InstallationStore {
  row?: Installation;
  ensure(candidate: Installation): Promise<Installation> {
    this.row ??= candidate;
    return Promise.resolve(this.row);
  }
  moveTo(vcd: ManagedVcd): Promise<void> {
    if (this.row) {
      this.row = { ...this.row, vcd };
    }
    return Promise.resolve();
  }
}

const NOW = new Date('2026-11-24T09:00:00Z');

describe('labs/installation', () => {
  it('names a VCD by its URL origin, and the embedded simulator by name (its port changes every start)', () => {
    expect(managedVcd({ url: 'HTTPS://VCD.Example.com:443/tenant/x/', org: 'acme', vdc: 'v1' })).toEqual({
      endpoint: 'https://vcd.example.com',
      org: 'acme',
      vdc: 'v1',
    });
    expect(managedVcd({ org: 'lab', vdc: 'lab-vdc' }).endpoint).toBe(EMBEDDED_SIMULATOR);
    expect(describeVcd(managedVcd({ org: 'lab', vdc: 'lab-vdc' }))).toBe(
      'the embedded simulator (no VCD_URL), org lab, VDC lab-vdc',
    );
  });

  it('lists what differs between two VCDs', () => {
    const a = managedVcd({ url: 'https://vcd.example.com', org: 'acme', vdc: 'v1' });
    expect(
      vcdDifferences(a, managedVcd({ url: 'https://vcd.example.com/api', org: 'acme', vdc: 'v1' })),
    ).toEqual([]);
    expect(
      vcdDifferences(a, managedVcd({ url: 'https://vcd.example.com:8443', org: 'acme', vdc: 'v1' })),
    ).toEqual(['endpoint']);
    expect(vcdDifferences(a, managedVcd({ org: 'acme2', vdc: 'v2' }))).toEqual(['endpoint', 'org', 'vdc']);
  });

  it('records the VCD on the first start, accepts it again, and refuses another org or VDC with the fix', async () => {
    const store = new OneRow();
    const first = await checkInstallation(
      { installation: store },
      managedVcd({ url: 'https://vcd.example.com', org: 'acme', vdc: 'v1' }),
      NOW,
    );
    expect(first.id).toMatch(/^[0-9a-f-]{36}$/);
    await expect(
      checkInstallation(
        { installation: store },
        managedVcd({ url: 'https://vcd.example.com/', org: 'acme', vdc: 'v1' }),
        NOW,
      ),
    ).resolves.toEqual(first);

    const refused = checkInstallation(
      { installation: store },
      managedVcd({ url: 'https://vcd.example.com', org: 'acme', vdc: 'v2' }),
      NOW,
    );
    await expect(refused).rejects.toBeInstanceOf(ConfigError);
    await expect(refused).rejects.toThrow(
      /VCD_VDC: this store \(installation [0-9a-f-]{36}\) manages https:\/\/vcd\.example\.com, org acme, VDC v1, but this process is configured for https:\/\/vcd\.example\.com, org acme, VDC v2.*\n\s+fix: set VCD_VDC .*npx labbot migrate-vcd --to-current/,
    );
  });
});
