/// The encapsulation a CNI's wire carries between nodes, read once when the CNI's objects are: none (native routing),
/// Flannel's udp backend (an outer IP and UDP header around the bare inner packet, which the size catalogue has no
/// name for), or a stack of the catalogue's encapsulations, innermost first, as the CNI rules name it ("vxlan",
/// "ipip", "wireguard", "vxlan+wireguard", "geneve+ipsec-esp"…). JSON and reports spell it as that name.
public struct WireEncapsulation: Sendable, Hashable, CustomStringConvertible {
    /// The name, as the rules build it and the reports print it.
    public let description: String
    /// The catalogue's layers; nil for a name the catalogue cannot read (the tests prove every name the CNI rules
    /// produce is read).
    public let stack: EncapsulationStack?

    public static let none = WireEncapsulation("none")
    public static let flannelUDP = WireEncapsulation("udp")

    public init(_ name: String) {
        description = name
        switch name {
        case "none", "udp": stack = EncapsulationStack.none
        default: stack = try? EncapsulationStack.parse(name.split(separator: "+").joined(separator: ","))
        }
    }

    public var isNone: Bool { description == "none" }

    /// The outermost layer (the device Calico sizes with its per-encapsulation MTU setting).
    public var outermost: Encapsulation? { stack?.layers.last }

    /// The largest inner packet that fits an `outer`-byte underlay packet once encapsulated.
    public func largestInnerPacket(outer: Int, underlay: IPVersion) -> Int {
        if self == .flannelUDP { return outer - underlay.headerSize - TransportHeader.udp }
        return stack?.largestInnerPacket(outer: outer, underlay: underlay) ?? outer
    }
}

extension WireEncapsulation: Codable {
    public init(from decoder: any Decoder) throws {
        self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
