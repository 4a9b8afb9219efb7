/// The IP version of a header: the underlay's outer headers or the inner (pod/VM) packets.
public enum IPVersion: String, Sendable, Hashable, Codable, CaseIterable {
    case ipv4
    case ipv6

    /// The fixed header size in bytes: 20 for IPv4 (RFC 791 §3.1, no options), 40 for IPv6 (RFC 8200 §3).
    public var headerSize: Int {
        switch self {
        case .ipv4: return 20
        case .ipv6: return 40
        }
    }

    /// The smallest MTU a link may have: 68 for IPv4 (RFC 791), 1280 for IPv6 (RFC 8200 §5).
    public var minimumMTU: Int {
        switch self {
        case .ipv4: return 68
        case .ipv6: return 1280
        }
    }

    /// Human name, "IPv4" or "IPv6".
    public var displayName: String { self == .ipv4 ? "IPv4" : "IPv6" }

    /// The RFC that defines the header.
    public var reference: String { self == .ipv4 ? "RFC 791" : "RFC 8200" }
}

/// Fixed sizes of the transport headers that ride inside an IP packet.
public enum TransportHeader {
    /// TCP header without options (RFC 9293 §3.1).
    public static let tcp = 20
    /// UDP header (RFC 768).
    public static let udp = 8
    /// ICMP / ICMPv6 echo header (RFC 792, RFC 4443 §4.1).
    public static let icmpEcho = 8
    /// The TCP timestamps option with its usual 2 bytes of NOP padding (RFC 7323 §3).
    public static let tcpTimestampsOption = 12
    /// Ethernet II header: two MAC addresses and the EtherType (IEEE 802.3), no FCS.
    public static let ethernet = 14
    /// Ethernet frame check sequence, counted by some switch vendors' "MTU" settings.
    public static let ethernetFCS = 4
    /// One IEEE 802.1Q tag.
    public static let dot1QTag = 4
}

/// Limits that apply to any MTU value a user gives us.
public enum MTULimits {
    /// The largest IP packet: the 16-bit total length field (RFC 791).
    public static let maximum = 65535
    /// Linux's `min_pmtu` default: PTB messages announcing less are raised to this value.
    public static let linuxMinimumPMTU = 552
}
