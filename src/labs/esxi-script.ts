/**
 * The 1:1 MAC workaround made turnkey (issue 13 item 7): for each ESXi host of a lab, the shell script that does the
 * seed workflow inside the nested host. The cloud gives no promiscuous mode, so a nested VM is reachable only if
 * it sends with the MAC the cloud gave one of the host's vmnics. The script therefore makes one port group per
 * VM-network vmnic with only that vmnic active (the others unused: no standby), allows forged transmits and MAC
 * changes on those port groups, and defines `labbot_set_mac`, which gives a powered-off nested VM its vmnic's MAC
 * and port group; the last lines say which call to make for which vmnic.
 *
 * Pure. Only names from the lab's record are emitted (VM names and MACs as VCD reported them, vmnic numbers, the
 * lab id); each is checked or single-quoted for the shell, and comments are reduced to printable single lines, so
 * no name can end a quote or a comment.
 */
import { type Lab } from './lab';

/** The script for one ESXi host of a lab. */
export interface HostScript {
  host: string;
  script: string;
}

/** The standard vSwitch inside the nested host that carries the VM-network vmnics. */
export const LAB_VSWITCH = 'vSwitchLab';

/** A MAC as VCD reports it; anything else (not assigned yet) is never written into a command. */
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

/** A word in single quotes for a POSIX shell (ESXi's busybox ash): `'` becomes `'\''`. Pure. */
export function shQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Text safe inside a `#` comment: one line of printable characters. Pure. */
function commentText(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ');
}

/** The port group of one vmnic. Derived from its number only, so it never needs quoting. */
export function vmnicPortGroup(index: number): string {
  return `labbot-vmnic${index}`;
}

/**
 * The shell function defined by every script: `labbot_set_mac VMID MAC PORTGROUP` rewrites a powered-off nested
 * VM's first NIC to a static MAC on that port group (its .vmx, found through `vim-cmd vmsvc/get.config`) and
 * reloads it. A static MAC outside VMware's static range needs `checkMACAddress = "FALSE"`; VCD's addresses are.
 */
const SET_MAC_FUNCTION = [
  'labbot_set_mac() {',
  '  vmid="$1"; mac="$2"; pg="$3"',
  '  if ! vim-cmd vmsvc/power.getstate "$vmid" | grep -q "Powered off"; then',
  '    echo "VM $vmid must be powered off first: vim-cmd vmsvc/power.off $vmid" >&2; return 1',
  '  fi',
  `  vmx=$(vim-cmd vmsvc/get.config "$vmid" | sed -n 's/.*vmPathName = "\\[\\([^]]*\\)\\] \\([^"]*\\)".*/\\/vmfs\\/volumes\\/\\1\\/\\2/p' | head -n 1)`,
  '  [ -f "$vmx" ] || { echo "no .vmx found for VM $vmid" >&2; return 1; }',
  '  for key in addressType address generatedAddress generatedAddressOffset checkMACAddress networkName; do',
  '    sed -i "/^ethernet0\\.$key *=/d" "$vmx"',
  '  done',
  '  printf \'ethernet0.addressType = "static"\\nethernet0.address = "%s"\\nethernet0.checkMACAddress = "FALSE"\\nethernet0.networkName = "%s"\\n\' "$mac" "$pg" >> "$vmx"',
  '  vim-cmd vmsvc/reload "$vmid"',
  '}',
];

/** The commands for one VM-network vmnic: its port group, failover order and security policy. */
function vmnicCommands(index: number): string[] {
  const vmnic = `vmnic${index}`;
  const pg = vmnicPortGroup(index);
  return [
    `# ${vmnic}: its own port group, ${vmnic} the only active uplink (the others unused, no standby)`,
    `esxcli network vswitch standard list --vswitch-name=${LAB_VSWITCH} | grep -qE "Uplinks: (.*, )?${vmnic}(,|$)" ||`,
    `  esxcli network vswitch standard uplink add --uplink-name=${vmnic} --vswitch-name=${LAB_VSWITCH}`,
    `esxcli network vswitch standard portgroup list | grep -q "^${pg} " ||`,
    `  esxcli network vswitch standard portgroup add --portgroup-name=${pg} --vswitch-name=${LAB_VSWITCH}`,
    `esxcli network vswitch standard portgroup policy failover set --portgroup-name=${pg} --active-uplinks=${vmnic} --load-balancing=explicit`,
    `esxcli network vswitch standard portgroup policy security set --portgroup-name=${pg} --allow-forged-transmits=true --allow-mac-change=true --allow-promiscuous=false`,
  ];
}

/**
 * One script per ESXi host of the lab, in the order of the lab's network block; a host whose VM-network vmnics have
 * no MAC yet (or that has none) gets no script. Empty for a lab without networking. VM-network vmnics are the NICs
 * numbered 1 and up (vmnic0 is the management NIC, see esxiNicSpecs). Pure; never throws.
 */
export function macMappingScripts(lab: Pick<Lab, 'id' | 'vms' | 'network'>): HostScript[] {
  const scripts: HostScript[] = [];
  for (const host of lab.network?.esxiVms ?? []) {
    const vm = lab.vms.find((v) => v.name === host);
    const nics = [...(vm?.nics ?? [])].filter((n) => n.index >= 1).sort((a, b) => a.index - b.index);
    if (nics.length === 0 || nics.some((n) => !MAC.test(n.mac))) {
      continue;
    }
    const lines = [
      '#!/bin/sh',
      `# labbot: the 1:1 MAC mapping for lab ${commentText(lab.id)}, ESXi host ${commentText(host)}.`,
      "# Paste it into the nested host's shell (SSH or ESXi Shell), or source it (. ./this-file), so that",
      '# labbot_set_mac stays defined for the last step. Running it again changes nothing.',
      `esxcli network vswitch standard list --vswitch-name=${LAB_VSWITCH} >/dev/null 2>&1 ||`,
      `  esxcli network vswitch standard add --vswitch-name=${LAB_VSWITCH}`,
      ...nics.flatMap((n) => vmnicCommands(n.index)),
      '# Check: each port group shows its vmnic as the only active adapter and no standby adapter.',
      `for pg in ${nics.map((n) => vmnicPortGroup(n.index)).join(' ')}; do esxcli network vswitch standard portgroup policy failover get --portgroup-name=$pg; done`,
      ...SET_MAC_FUNCTION,
      '# Then, with each nested VM powered off (VMID from: vim-cmd vmsvc/getallvms), one call per vmnic:',
      ...nics.map(
        (n) =>
          `#   labbot_set_mac VMID ${shQuote(n.mac.toLowerCase())} ${vmnicPortGroup(n.index)}    # nested VM ${n.index} takes vmnic${n.index}'s MAC`,
      ),
    ];
    scripts.push({ host, script: `${lines.join('\n')}\n` });
  }
  return scripts;
}
