#!/bin/sh
# labbot: the 1:1 MAC mapping for lab demo-4kq, ESXi host esxi-01.
# Paste it into the nested host's shell (SSH or ESXi Shell), or source it (. ./this-file), so that
# labbot_set_mac stays defined for the last step. Running it again changes nothing.
esxcli network vswitch standard list --vswitch-name=vSwitchLab >/dev/null 2>&1 ||
  esxcli network vswitch standard add --vswitch-name=vSwitchLab
# vmnic1: its own port group, vmnic1 the only active uplink (the others unused, no standby)
esxcli network vswitch standard list --vswitch-name=vSwitchLab | grep -qE "Uplinks: (.*, )?vmnic1(,|$)" ||
  esxcli network vswitch standard uplink add --uplink-name=vmnic1 --vswitch-name=vSwitchLab
esxcli network vswitch standard portgroup list | grep -q "^labbot-vmnic1 " ||
  esxcli network vswitch standard portgroup add --portgroup-name=labbot-vmnic1 --vswitch-name=vSwitchLab
esxcli network vswitch standard portgroup policy failover set --portgroup-name=labbot-vmnic1 --active-uplinks=vmnic1 --load-balancing=explicit
esxcli network vswitch standard portgroup policy security set --portgroup-name=labbot-vmnic1 --allow-forged-transmits=true --allow-mac-change=true --allow-promiscuous=false
# vmnic2: its own port group, vmnic2 the only active uplink (the others unused, no standby)
esxcli network vswitch standard list --vswitch-name=vSwitchLab | grep -qE "Uplinks: (.*, )?vmnic2(,|$)" ||
  esxcli network vswitch standard uplink add --uplink-name=vmnic2 --vswitch-name=vSwitchLab
esxcli network vswitch standard portgroup list | grep -q "^labbot-vmnic2 " ||
  esxcli network vswitch standard portgroup add --portgroup-name=labbot-vmnic2 --vswitch-name=vSwitchLab
esxcli network vswitch standard portgroup policy failover set --portgroup-name=labbot-vmnic2 --active-uplinks=vmnic2 --load-balancing=explicit
esxcli network vswitch standard portgroup policy security set --portgroup-name=labbot-vmnic2 --allow-forged-transmits=true --allow-mac-change=true --allow-promiscuous=false
# Check: each port group shows its vmnic as the only active adapter and no standby adapter.
for pg in labbot-vmnic1 labbot-vmnic2; do esxcli network vswitch standard portgroup policy failover get --portgroup-name=$pg; done
labbot_set_mac() {
  vmid="$1"; mac="$2"; pg="$3"
  if ! vim-cmd vmsvc/power.getstate "$vmid" | grep -q "Powered off"; then
    echo "VM $vmid must be powered off first: vim-cmd vmsvc/power.off $vmid" >&2; return 1
  fi
  vmx=$(vim-cmd vmsvc/get.config "$vmid" | sed -n 's/.*vmPathName = "\[\([^]]*\)\] \([^"]*\)".*/\/vmfs\/volumes\/\1\/\2/p' | head -n 1)
  [ -f "$vmx" ] || { echo "no .vmx found for VM $vmid" >&2; return 1; }
  for key in addressType address generatedAddress generatedAddressOffset checkMACAddress networkName; do
    sed -i "/^ethernet0\.$key *=/d" "$vmx"
  done
  printf 'ethernet0.addressType = "static"\nethernet0.address = "%s"\nethernet0.checkMACAddress = "FALSE"\nethernet0.networkName = "%s"\n' "$mac" "$pg" >> "$vmx"
  vim-cmd vmsvc/reload "$vmid"
}
# Then, with each nested VM powered off (VMID from: vim-cmd vmsvc/getallvms), one call per vmnic:
#   labbot_set_mac VMID '00:50:56:01:00:0b' labbot-vmnic1    # nested VM 1 takes vmnic1's MAC
#   labbot_set_mac VMID '00:50:56:01:00:0c' labbot-vmnic2    # nested VM 2 takes vmnic2's MAC
