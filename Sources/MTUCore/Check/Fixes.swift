/// Writes fixes in the words of the device, CNI or kernel they apply to.
enum Fixes {
    /// Raise an interface's MTU (and its parent's, when the parent is what limits it).
    static func raiseMTU(node: Node?, nodeName: String, interfaces: [String], to target: Int) -> Fix {
        let vendor = node?.vendor ?? .generic
        switch vendor {
        case .fortigate:
            var lines = ["config system global", "    set jumbo-frame enable", "end", "config system interface"]
            for name in interfaces {
                lines += [
                    "    edit \"\(name)\"", "        set mtu-override enable", "        set mtu \(target)", "    next",
                ]
            }
            lines.append("end")
            return Fix(
                title: "Carry \(target)-byte packets through \(nodeName) (FortiGate)", vendor: "fortigate",
                commands: lines,
                note:
                    "Set the parent (physical or aggregate) and every VLAN interface explicitly: a VLAN interface never carries more than its parent, whatever it displays. Jumbo frames need a model that supports them; some need a reboot after `jumbo-frame enable`.",
                resolvesCause: true)
        case .arista:
            var lines: [String] = []
            for name in interfaces { lines += ["interface \(name)", "   mtu \(target)"] }
            return Fix(
                title: "Raise the MTU on \(nodeName) (Arista EOS)", vendor: "arista-eos", commands: lines,
                note:
                    "An SVI's MTU limits routed traffic only; switched traffic in the VLAN never meets it. Check that the member ports carry the frame too (Ethernet ports default to a larger L2 MTU).",
                resolvesCause: true)
        case .cisco:
            var lines: [String] = []
            for name in interfaces { lines += ["interface \(name)", " mtu \(target)", " ip mtu \(target)"] }
            return Fix(
                title: "Raise the MTU on \(nodeName) (Cisco IOS)", vendor: "cisco-ios", commands: lines,
                resolvesCause: true)
        case .linux:
            return Fix(
                title: "Raise the MTU on \(nodeName) (Linux)", vendor: "linux",
                commands: interfaces.map { "ip link set dev \($0) mtu \(target)" },
                note:
                    "Parents first. Persist it in the distribution's network configuration (netplan, NetworkManager, systemd-networkd).",
                resolvesCause: true)
        case .aws, .gcp:
            return Fix(
                title: "\(nodeName) cannot be raised", vendor: vendor.rawValue, commands: [],
                note:
                    "A cloud gateway's MTU is fixed by the provider: make the senders fit it instead (see the other fixes).",
                resolvesCause: false)
        case .nsx, .generic:
            return Fix(
                title: "Raise the MTU on \(nodeName)", vendor: "generic",
                commands: interfaces.map { "set the MTU of \($0) on \(nodeName) to at least \(target)" },
                resolvesCause: true)
        }
    }

    /// Lower the pods' MTU so encapsulated packets fit the underlay. For a CNI, the commands come from the same model
    /// `kube audit` uses (``KubeAuditor/fixPlan(_:objects:mtu:underlayMTU:)``): the knob each CNI reads, with the value
    /// its own rules need (Cilium's and Flannel's knobs size the network below the overlay, Calico's the pods).
    static func lowerPodMTU(overlay: Overlay, podMTU: Int, underlayMTU: Int, required: Int) -> Fix {
        if let settings = CNISettings.assumed(overlay.provider, encapsulation: overlay.encapsulation) {
            let plan = KubeAuditor.fixPlan(settings, objects: ClusterObjects(), mtu: podMTU, underlayMTU: underlayMTU)
            let knob = KubeAuditor.knobValue(settings, podMTU: podMTU, underlayMTU: underlayMTU)
            let commands = plan.map(\.command).filter { !$0.hasPrefix("#") }
            let comments = plan.map(\.command).filter { $0.hasPrefix("#") }.map { String($0.dropFirst(2)) }
            let title: String
            switch overlay.provider {
            case .cilium: title = "Set Cilium's MTU to \(knob) (pods get \(knob - (settings.reservedOverhead ?? 0)))"
            case .flannel:
                title = "Make Flannel give pods \(knob - (settings.reservedOverhead ?? 0)) (Backend.MTU \(knob))"
            default: title = "Set Calico's pod MTU to \(podMTU)"
            }
            var note = comments.joined(separator: "; ")
            if overlay.provider == .calico {
                note =
                    "Without the operator, set `veth_mtu` in the calico-config ConfigMap and restart calico-node. "
                    + note
            }
            return Fix(
                title: title, vendor: overlay.provider.rawValue, commands: commands, note: note, resolvesCause: false)
        }
        switch overlay.provider {
        case .nsx:
            return Fix(
                title: "Keep overlay segments at \(podMTU) or below", vendor: "nsx",
                commands: [
                    "set the overlay segment / VM MTU to \(podMTU), or raise every underlay hop between TEPs to at least \(required)"
                ],
                note:
                    "NSX needs jumbo frames on every underlay hop between TEPs; lowering guest MTUs is only a stop-gap.",
                resolvesCause: false)
        case .linux, .generic, .calico, .cilium, .flannel:
            return Fix(
                title: "Set the tunnel and pod MTU to \(podMTU)", vendor: "linux",
                commands: [
                    "ip link set dev <tunnel device> mtu \(podMTU)",
                    "ip link set dev eth0 mtu \(podMTU)   # inside each pod/VM",
                ],
                resolvesCause: false)
        }
    }

    /// Clamp TCP MSS where the SYNs pass.
    static func clampMSS(on nodeName: String, mss: Int, interface: String?) -> [Fix] {
        let out = interface.map { " -o \($0)" } ?? ""
        let nftOut = interface.map { "oifname \"\($0)\" " } ?? ""
        return [
            Fix(
                title: "Clamp TCP MSS to \(mss) on \(nodeName) (iptables)", vendor: "iptables",
                commands: [
                    "iptables -t mangle -A FORWARD -p tcp --tcp-flags SYN,RST SYN\(out) -j TCPMSS --set-mss \(mss)"
                ],
                note: "TCP only: UDP and QUIC still black-hole. The clamp must see the SYNs of both directions.",
                resolvesCause: false),
            Fix(
                title: "Clamp TCP MSS to \(mss) on \(nodeName) (nftables)", vendor: "nftables",
                commands: [
                    "nft add table inet mtu_doctor",
                    "nft add chain inet mtu_doctor forward '{ type filter hook forward priority mangle; }'",
                    "nft add rule inet mtu_doctor forward \(nftOut)tcp flags syn tcp option maxseg size set \(mss)",
                ],
                note: "TCP only: UDP and QUIC still black-hole.",
                resolvesCause: false),
        ]
    }

    /// Let "fragmentation needed" / "packet too big" through a filtering device, and ask the router at the wall to
    /// send them.
    static func allowTooBig(where place: String = "the filtering device") -> Fix {
        Fix(
            title: "Allow ICMP \"fragmentation needed\" / \"packet too big\" through \(place)", vendor: "iptables",
            commands: [
                "iptables -I FORWARD -p icmp --icmp-type fragmentation-needed -j ACCEPT",
                "ip6tables -I FORWARD -p ipv6-icmp --icmpv6-type packet-too-big -j ACCEPT",
                "nft insert rule inet filter forward icmp type destination-unreachable icmp code frag-needed accept",
                "# on the router at the wall: let it send unreachables (e.g. IOS `ip unreachables` on the egress interface)",
            ],
            note:
                "Restores PMTUD so hosts adapt; the wall itself stays. RFC 4890 lists packet-too-big among the ICMPv6 messages that must never be dropped.",
            resolvesCause: false)
    }

    /// Let TCP find its own way around black holes.
    static func mtuProbing(senders: [String]) -> Fix {
        Fix(
            title: "Enable TCP MTU probing on \(senders.joined(separator: ", "))", vendor: "linux",
            commands: ["sysctl -w net.ipv4.tcp_mtu_probing=1"],
            note:
                "A mitigation, not a fix: the first full-size segments still vanish for seconds. The sysctl is per network namespace: a pod needs it in its own namespace (securityContext.sysctls; the kubelet must allow it with --allowed-unsafe-sysctls=net.ipv4.tcp_mtu_probing).",
            resolvesCause: false)
    }
}
