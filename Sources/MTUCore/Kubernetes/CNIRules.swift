/// What each CNI subtracts from a base MTU to size its pods, as the CNI's own source states it. These numbers decide
/// the pod MTU a CNI picks; whether that pod MTU *fits* is a separate question, answered by the encapsulation the wire
/// really carries (``EncapsulationStack``). A CNI that reserves more than the wire needs is not a problem.
///
/// Every rule names its upstream file; docs/cni.md has the same table.
public enum CNIRules {
    /// A semantic version read from an image tag (`quay.io/cilium/cilium:v1.16.4@sha256:…` → 1.16.4).
    public struct Version: Sendable, Comparable, CustomStringConvertible, Codable, Equatable {
        public var major: Int
        public var minor: Int
        public var patch: Int

        public init(_ major: Int, _ minor: Int, _ patch: Int = 0) {
            self.major = major
            self.minor = minor
            self.patch = patch
        }

        /// The version in an image reference's tag, or nil (no tag, `latest`, a digest only).
        public init?(image: String) {
            var reference = image
            if let at = reference.firstIndex(of: "@") { reference = String(reference[..<at]) }
            guard let colon = reference.lastIndex(of: ":"), !reference[colon...].contains("/") else { return nil }
            var tag = reference[reference.index(after: colon)...].drop { $0 == "v" || $0 == "V" }
            if let dash = tag.firstIndex(where: { $0 == "-" || $0 == "+" }) { tag = tag[..<dash] }
            let parts = tag.split(separator: ".").map { Int($0) }
            guard parts.count >= 2, let major = parts[0], let minor = parts[1] else { return nil }
            self.init(major, minor, parts.count > 2 ? (parts[2] ?? 0) : 0)
        }

        public static func < (a: Version, b: Version) -> Bool {
            (a.major, a.minor, a.patch) < (b.major, b.minor, b.patch)
        }

        public var description: String { "\(major).\(minor).\(patch)" }
    }

    // MARK: Calico

    /// Felix's per-encapsulation overheads: projectcalico/calico felix/dataplane/linux/int_dataplane.go
    /// (`ipipMTUOverhead = 20`, `vxlanMTUOverhead = 50`, `vxlanV6MTUOverhead = 70`, `wireguardMTUOverhead = 60`,
    /// `wireguardV6MTUOverhead = 80`; `ConfigureDefaultMTUs` subtracts them from the host MTU when a value is 0).
    public static func calicoReserved(_ encapsulation: String, ipv6: Bool) -> Int {
        switch encapsulation {
        case "ipip": return 20
        case "vxlan": return ipv6 ? 70 : 50
        case "wireguard": return ipv6 ? 80 : 60
        default: return 0
        }
    }

    /// Felix detects the host MTU since projectcalico/felix#2511 (merged 2020-10, first released in Calico 3.17);
    /// before, an unset MTU meant Felix's fixed defaults: IPIP 1440, VXLAN 1410, WireGuard 1420.
    public static let calicoAutoMTUSince = Version(3, 17)
    public static func calicoDefaultMTU(_ encapsulation: String) -> Int? {
        switch encapsulation {
        case "ipip": return 1440
        case "vxlan": return 1410
        case "wireguard": return 1420
        default: return nil
        }
    }

    // MARK: Cilium

    /// Cilium's route MTU for pods: base (device) MTU − overhead, cilium/cilium pkg/mtu/mtu.go `getRouteMTU`.
    /// - `TunnelOverheadIPv4 = 50`, `TunnelOverheadIPv6 = 70` (the latter with `underlay-protocol: ipv6`);
    /// - `EncryptionIPsecOverhead = 77` plus (auth key length − 16);
    /// - `WireguardOverhead = 80`, raised to 95 by cilium/cilium#45940 (WireGuard pads to 16 bytes), first in 1.20;
    /// - WireGuard with a tunnel subtracts both since cilium/cilium#30329 (1.15; packets are encapsulated, then
    ///   encrypted); before, WireGuard alone.
    public struct CiliumOverhead: Sendable, Equatable {
        public var bytes: Int
        /// The encapsulation the wire carries between nodes, as our size math names it.
        public var wire: String
        /// Which version's rules were applied, in words.
        public var rules: String
    }

    public static let ciliumWireGuard95Since = Version(1, 20)
    public static let ciliumWireGuardOverTunnelSince = Version(1, 15)

    public static func cilium(
        version: Version?, tunnel: String, underlayIPv6: Bool, wireguard: Bool, ipsec: Bool,
        ipsecKeyBytes: Int = 16
    ) -> CiliumOverhead {
        let tunnelBytes = tunnel == "none" ? 0 : (underlayIPv6 ? 70 : 50)
        let assumeLatest = version == nil
        let versionText = version.map { "Cilium \($0)" } ?? "Cilium of unknown version (current rules assumed)"
        if wireguard {
            let wireguardBytes = assumeLatest || version! >= ciliumWireGuard95Since ? 95 : 80
            let overTunnel = tunnel != "none" && (assumeLatest || version! >= ciliumWireGuardOverTunnelSince)
            let bytes = wireguardBytes + (overTunnel ? tunnelBytes : 0)
            let wire = overTunnel ? "\(tunnel)+wireguard" : "wireguard"
            let rules =
                "\(versionText): WireGuard \(wireguardBytes) B" + (overTunnel ? " + \(tunnel) \(tunnelBytes) B" : "")
                + " (pkg/mtu/mtu.go)"
            return CiliumOverhead(bytes: bytes, wire: wire, rules: rules)
        }
        let ipsecBytes = ipsec ? 77 + (ipsecKeyBytes - 16) : 0
        var layers: [String] = tunnel == "none" ? [] : [tunnel]
        if ipsec { layers.append("ipsec-esp") }
        var parts: [String] = []
        if tunnelBytes > 0 { parts.append("\(tunnel) \(tunnelBytes) B") }
        if ipsec { parts.append("IPsec \(ipsecBytes) B") }
        let rules =
            "\(versionText): " + (parts.isEmpty ? "native routing, no overhead" : parts.joined(separator: " + "))
            + " (pkg/mtu/mtu.go)"
        return CiliumOverhead(
            bytes: tunnelBytes + ipsecBytes, wire: layers.isEmpty ? "none" : layers.joined(separator: "+"), rules: rules
        )
    }

    // MARK: Flannel

    /// Flannel's backends and what each subtracts from the base MTU (`Backend.MTU`, default the external interface's):
    /// flannel-io/flannel pkg/backend/vxlan/vxlan_network.go (`encapOverhead = 50`), pkg/backend/wireguard/
    /// wireguard_network.go (`overhead = 80`), pkg/backend/udp/udp_network_amd64.go (`encapOverhead = 28`),
    /// pkg/backend/ipip/ipip.go (interface MTU − 20), host-gw none. The type is matched lower-cased
    /// (pkg/backend/manager.go); no `Backend` at all means `udp` (pkg/subnet/config.go `parseBackendType`).
    public static func flannelBackend(_ type: String) -> (reserved: Int, wire: String)? {
        switch type {
        case "vxlan": return (50, "vxlan")
        case "wireguard": return (80, "wireguard")
        case "udp": return (28, "udp")
        case "ipip": return (20, "ipip")
        case "host-gw": return (0, "none")
        default: return nil
        }
    }

    // MARK: AWS VPC CNI

    /// aws/amazon-vpc-cni-k8s cmd/aws-vpc-cni/main.go `validateMTU`: AWS_VPC_ENI_MTU and POD_MTU must be integers in
    /// 576…9001 (1280…9001 with ENABLE_IPv6), or aws-node does not start; POD_MTU defaults to AWS_VPC_ENI_MTU, which
    /// defaults to 9001.
    public static let awsDefaultMTU = 9001
    public static func awsRange(ipv6: Bool) -> ClosedRange<Int> { (ipv6 ? 1280 : 576)...9001 }
}
