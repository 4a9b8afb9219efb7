/// Named MTUs of common links and clouds, and the encapsulations CNIs use by default (the types: MTUModel).
extension Presets {
    /// Link MTUs users ask about. Usable wherever an MTU is expected (`--mtu aws-tgw`).
    public static let links: [Link] = [
        Link(name: "ethernet", mtu: 1500, note: "standard Ethernet"),
        Link(name: "jumbo", mtu: 9000, note: "common data-centre jumbo MTU"),
        Link(name: "aws-ec2", mtu: 9001, note: "AWS EC2 instances within a VPC (jumbo frames)"),
        Link(
            name: "aws-tgw", mtu: 8500,
            note: "AWS Transit Gateway: between VPCs, Direct Connect, Connect and peering attachments"),
        Link(name: "aws-inter-region-peering", mtu: 8500, note: "AWS inter-Region VPC peering"),
        Link(
            name: "aws-internet", mtu: 1500,
            note: "AWS internet gateway, Site-to-Site VPN, inter-Region traffic without a transit gateway"),
        Link(name: "internet", mtu: 1500, note: "the public internet and most VPNs"),
        Link(name: "gcp", mtu: 1460, note: "Google Cloud VPC default (configurable 1300–8896)"),
        Link(name: "nsx-tep-min", mtu: 1600, note: "VMware NSX minimum for TEP (Geneve underlay) interfaces"),
        Link(name: "nsx-tep", mtu: 1700, note: "VMware NSX recommended TEP MTU (room for Geneve options)"),
    ]

    /// Default encapsulations of the common CNIs; their overhead is computed by ``EncapsulationStack``.
    public static let overlays: [Overlay] = [
        Overlay(
            name: "calico-vxlan", encapsulation: "vxlan",
            note: "Calico VXLAN mode (Calico documents 50 for IPv4, 70 for IPv6)"),
        Overlay(name: "calico-ipip", encapsulation: "ipip", note: "Calico IP-in-IP mode (20)"),
        Overlay(
            name: "calico-wireguard", encapsulation: "wireguard", note: "Calico WireGuard (60 for IPv4, 80 for IPv6)"),
        Overlay(
            name: "cilium-vxlan", encapsulation: "vxlan", note: "Cilium tunnel mode, VXLAN (Cilium's TunnelOverhead 50)"
        ),
        Overlay(
            name: "cilium-geneve", encapsulation: "geneve",
            note: "Cilium tunnel mode, Geneve without options; DSR adds a 12-byte option"),
        Overlay(
            name: "cilium-wireguard", encapsulation: "wireguard", note: "Cilium transparent encryption with WireGuard"),
        Overlay(name: "flannel-vxlan", encapsulation: "vxlan", note: "Flannel vxlan backend (default)"),
        Overlay(name: "flannel-wireguard", encapsulation: "wireguard", note: "Flannel wireguard backend"),
        Overlay(
            name: "nsx-geneve", encapsulation: "geneve",
            note: "NSX overlay; NSX adds Geneve options, hence its 1600/1700 TEP guidance"),
        Overlay(
            name: "aws-vpc-cni", encapsulation: "none",
            note: "AWS VPC CNI: no encapsulation, pods take the ENI MTU (9001)"),
    ]

    /// The preset link with this name.
    public static func link(named name: String) -> Link? {
        links.first { $0.name == name.lowercased() }
    }

    /// The preset overlay with this name.
    public static func overlay(named name: String) -> Overlay? {
        overlays.first { $0.name == name.lowercased() }
    }
}

extension LabeledMTU {
    /// Reads `1500`, `aws-tgw`, or a comma-separated list of either.
    public static func parseList(_ text: String) throws(MTUValueError) -> [LabeledMTU] {
        var values: [LabeledMTU] = []
        for token in text.split(separator: ",").map({ String($0).trimmingWhitespace() }) where !token.isEmpty {
            if let number = Int(token) {
                guard (IPVersion.ipv4.minimumMTU...MTULimits.maximum).contains(number) else {
                    throw MTUValueError(token: token, reason: "an MTU must be between 68 and 65535")
                }
                values.append(LabeledMTU(mtu: number, label: "\(number)"))
            } else if let preset = Presets.link(named: token) {
                values.append(LabeledMTU(mtu: preset.mtu, label: "\(preset.name) (\(preset.mtu))"))
            } else {
                throw MTUValueError(
                    token: token,
                    reason: "not a number or a preset name"
                        + Suggestion.didYouMean(token, in: Presets.links.map(\.name)))
            }
        }
        guard !values.isEmpty else { throw MTUValueError(token: text, reason: "no MTU given") }
        return values
    }
}

/// A bad MTU value.
public struct MTUValueError: Error, Sendable, Hashable, CustomStringConvertible {
    public var token: String
    public var reason: String
    public var description: String { "invalid MTU '\(token)': \(reason)" }
}

extension PresetCatalogue {
    /// Every preset, each overlay's overhead worked out by ``EncapsulationStack`` over a 1500-byte underlay.
    public static var all: PresetCatalogue {
        PresetCatalogue(
            links: Presets.links, overlays: Presets.overlays,
            overheads: Presets.overlays.map { overlay in
                let stack = (try? EncapsulationStack.parse(overlay.encapsulation)) ?? .none
                return Overhead(
                    ipv4: 1500 - stack.largestInnerPacket(outer: 1500, underlay: .ipv4),
                    ipv6: 1500 - stack.largestInnerPacket(outer: 1500, underlay: .ipv6))
            })
    }
}
