import MTUCore
import Testing

/// A CNI's wire encapsulation is read once, by name, into the size catalogue's layers. Every name the CNI rules can
/// produce must be read — an unread name would count as no overhead at all — and the sizes it gives are the
/// catalogue's.
@Suite("CNI wire encapsulations")
struct WireEncapsulationTests {
    /// Every wire the Cilium, Flannel and Calico rules name.
    static var everyRuleWire: [String] {
        var names: Set<String> = ["none", "vxlan", "ipip", "wireguard"]  // Calico's modes
        for version in [nil, CNIRules.Version(1, 14), CNIRules.Version(1, 20)] {
            for tunnel in ["vxlan", "geneve", "none"] {
                for (wireguard, ipsec) in [(false, false), (true, false), (false, true)] {
                    for ipv6 in [false, true] {
                        names.insert(
                            CNIRules.cilium(
                                version: version, tunnel: tunnel, underlayIPv6: ipv6, wireguard: wireguard,
                                ipsec: ipsec
                            ).wire)
                    }
                }
            }
        }
        for backend in ["vxlan", "wireguard", "udp", "ipip", "host-gw"] {
            if let rule = CNIRules.flannelBackend(backend) { names.insert(rule.wire) }
        }
        return names.sorted()
    }

    @Test(arguments: everyRuleWire)
    func everyRuleWireIsRead(name: String) throws {
        let wire = WireEncapsulation(name)
        #expect(wire.stack != nil, "\(name) is not in the size catalogue")
        #expect(wire.description == name)
        let inner = wire.largestInnerPacket(outer: 1500, underlay: .ipv4)
        #expect(name == "none" ? inner == 1500 : inner < 1500, "\(name): \(inner)")
    }

    @Test func sizesAreTheCatalogues() throws {
        #expect(WireEncapsulation("vxlan").largestInnerPacket(outer: 1500, underlay: .ipv4) == 1450)
        #expect(WireEncapsulation("vxlan").largestInnerPacket(outer: 1500, underlay: .ipv6) == 1430)
        #expect(WireEncapsulation("ipip").largestInnerPacket(outer: 1500, underlay: .ipv4) == 1480)
        #expect(WireEncapsulation.flannelUDP.largestInnerPacket(outer: 1500, underlay: .ipv4) == 1472)
        #expect(WireEncapsulation("vxlan+wireguard").outermost == .wireguard)
        #expect(WireEncapsulation("nonsense").stack == nil)
    }
}
