/// An IP header, as far as MTU analysis needs it. Addresses are kept as numbers (no allocation per packet).
public struct IPHeaderInfo: Sendable, Hashable {
    public var version: Int
    /// IPv4 in the low 32 bits of `low`; IPv6 in `high`/`low`.
    public var sourceHigh: UInt64, sourceLow: UInt64
    public var destinationHigh: UInt64, destinationLow: UInt64
    /// The packet's own length field (IPv4 total length; IPv6 40 + payload length).
    public var totalLength: Int
    /// Bytes of IP headers (IPv4 options and IPv6 extension headers included).
    public var headerLength: Int
    public var dontFragment: Bool
    public var moreFragments: Bool
    public var fragmentOffset: Int
    /// The upper-layer protocol (after IPv6 extension headers).
    public var protocolNumber: Int
    public var ttl: Int
    /// Where the IP packet starts in the capture buffer.
    public var offset: Int

    public var isFragment: Bool { moreFragments || fragmentOffset > 0 }
    /// The length field could not hold the packet (BIG TCP: IPv4 total length 0; an IPv6 jumbogram): an offload
    /// super-packet on the sending or receiving host, its length taken from what was captured.
    public var offloadLength = false
}

public struct TCPHeaderInfo: Sendable, Hashable {
    public var sourcePort: Int, destinationPort: Int
    public var sequence: UInt32, acknowledgment: UInt32
    public var flags: UInt8
    public var headerLength: Int
    /// Payload bytes by the IP length fields (not what the snaplen kept).
    public var payloadLength: Int
    public var mss: Int?
    public var timestamps: Bool
    public var sackPermitted: Bool
    /// The first SACK block, when the segment carries one (left and right edge).
    public var sackLeft: UInt32?, sackRight: UInt32?
    public var syn: Bool { flags & 0x02 != 0 }
    public var ack: Bool { flags & 0x10 != 0 }
    public var rst: Bool { flags & 0x04 != 0 }
    public var fin: Bool { flags & 0x01 != 0 }
}

public struct UDPHeaderInfo: Sendable, Hashable {
    public var sourcePort: Int, destinationPort: Int, length: Int
}

/// An ICMP/ICMPv6 error with the packet it quotes.
public struct ICMPInfo: Sendable, Hashable {
    public var version: Int
    public var type: Int, code: Int
    /// For "fragmentation needed" / "packet too big": the MTU announced.
    public var mtu: Int?
    public var isTooBig: Bool { (version == 4 && type == 3 && code == 4) || (version == 6 && type == 2) }
    /// The quoted packet's IP header and ports, when present.
    public var quoted: IPHeaderInfo?
    public var quotedSourcePort: Int?, quotedDestinationPort: Int?
    /// When the quoted packet is a VXLAN/Geneve packet and the quote is long enough: the tunnelled packet inside it,
    /// so a PTB about a tunnel packet can be matched to the inner connection.
    public var quotedInner: IPHeaderInfo?
    public var quotedInnerSourcePort: Int?, quotedInnerDestinationPort: Int?
    /// An echo request's identifier (ICMP echo flows are keyed by it, as ping's are: the "source port").
    public var echoIdentifier: Int? = nil
    /// The quoted TCP segment's sequence number (the innermost one for a tunnel packet): what a PTB was about, so
    /// its delivery can be followed in the peer's acknowledgments.
    public var quotedTCPSequence: UInt32? = nil
    public var isEchoRequest: Bool { (version == 4 && type == 8) || (version == 6 && type == 128) }
}

public enum TransportInfo: Sendable, Hashable {
    case tcp(TCPHeaderInfo)
    case udp(UDPHeaderInfo)
    case icmp(ICMPInfo)
    case other(Int)
}

/// A tunnel layer found on the way in.
public struct TunnelInfo: Sendable, Hashable {
    public enum Kind: String, Sendable {
        case vxlan, geneve
        case vxlanGPE = "vxlan-gpe"
        case gre
        case ipip = "ip-in-ip"
    }
    public var kind: Kind
    /// The outer IP packet's length and DF bit.
    public var outer: IPHeaderInfo
    public var geneveOptionBytes: Int
}

/// What a frame holds: its tunnels (the outermost kept) and the innermost IP packet with its transport.
public struct Dissection: Sendable, Hashable {
    /// The outermost tunnel layer (its outer IP header is what the underlay carries), and how many were nested.
    public var outerTunnel: TunnelInfo?
    public var tunnelCount = 0
    public var ip: IPHeaderInfo?
    public var transport: TransportInfo?
    /// VLAN tags on the outermost Ethernet header.
    public var vlanTags = 0
    /// MPLS labels crossed on the way to the IP header.
    public var mplsLabels = 0
    mutating func addTunnel(_ tunnel: TunnelInfo) {
        if outerTunnel == nil { outerTunnel = tunnel }
        tunnelCount += 1
    }

    /// Set when the dissection stopped early: truncated, malformed, or an unknown link type.
    public var problem: String?
}

/// Link, network and transport dissection over bytes, decapsulating VXLAN (4789, Linux's 8472) and Geneve (6081).
/// Every read is bounds-checked against the captured bytes; nothing allocates per packet.
public enum Dissector {
    public static let vxlanPorts: Set<Int> = [4789, 8472]
    public static let genevePort = 6081

    public static func dissect(_ bytes: [UInt8], _ packet: CapturedPacket) -> Dissection {
        var result = Dissection()
        let range = packet.range
        switch packet.linkType {
        case 1:
            ethernet(bytes, range, &result, depth: 0, outermost: true)
        case 113:  // Linux cooked (SLL): protocol at 14, header 16
            guard range.count >= 16 else {
                result.problem = "SLL header truncated"
                return result
            }
            network(
                bytes, range.lowerBound + 16..<range.upperBound, etherType: u16(bytes, range.lowerBound + 14), &result,
                depth: 0)
        case 276:  // SLL2: protocol at 0, header 20
            guard range.count >= 20 else {
                result.problem = "SLL2 header truncated"
                return result
            }
            network(
                bytes, range.lowerBound + 20..<range.upperBound, etherType: u16(bytes, range.lowerBound), &result,
                depth: 0)
        case 101, 12, 14, 228, 229:  // raw IP
            guard let first = range.first.map({ bytes[$0] }) else {
                result.problem = "empty packet"
                return result
            }
            network(bytes, range, etherType: first >> 4 == 6 ? 0x86dd : 0x0800, &result, depth: 0)
        case 0, 108:  // BSD loopback: a 4-byte address family, host order (0) or network order (108)
            guard range.count >= 4 else {
                result.problem = "loopback header truncated"
                return result
            }
            let b = range.lowerBound
            let family =
                packet.linkType == 108
                ? Int(bytes[b]) << 24 | Int(bytes[b + 1]) << 16 | Int(bytes[b + 2]) << 8 | Int(bytes[b + 3])
                : max(Int(bytes[b]) | Int(bytes[b + 1]) << 8, Int(bytes[b + 2]) << 8 | Int(bytes[b + 3]))
            let etherType = family == 2 ? 0x0800 : ([10, 24, 28, 30].contains(family) ? 0x86dd : 0)
            network(bytes, range.lowerBound + 4..<range.upperBound, etherType: etherType, &result, depth: 0)
        default:
            result.problem = "link type \(packet.linkType) is not dissected"
        }
        return result
    }

    static func u16(_ bytes: [UInt8], _ at: Int) -> Int { Int(bytes[at]) << 8 | Int(bytes[at + 1]) }
    static func u32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3])
    }

    static func ethernet(_ bytes: [UInt8], _ range: Range<Int>, _ result: inout Dissection, depth: Int, outermost: Bool)
    {
        guard range.count >= 14 else {
            result.problem = "Ethernet header truncated"
            return
        }
        var at = range.lowerBound + 12
        var etherType = u16(bytes, at)
        var tags = 0
        // 802.1Q, 802.1ad and the old 0x9100 QinQ tags, at most a few deep.
        while etherType == 0x8100 || etherType == 0x88a8 || etherType == 0x9100, tags < 4 {
            guard at + 6 <= range.upperBound else {
                result.problem = "VLAN tag truncated"
                return
            }
            at += 4
            etherType = u16(bytes, at)
            tags += 1
        }
        if outermost { result.vlanTags = tags }
        network(bytes, (at + 2)..<range.upperBound, etherType: etherType, &result, depth: depth)
    }

    /// Long: one switch over the EtherTypes read (IPv4, IPv6, MPLS), then one over the IP protocols (TCP, UDP with its
    /// tunnels, ICMP, IP-in-IP, GRE), each case a few bounds-checked lines.
    static func network(_ bytes: [UInt8], _ range: Range<Int>, etherType: Int, _ result: inout Dissection, depth: Int) {
        let header: IPHeaderInfo?
        switch etherType {
        case 0x0800: header = ipv4(bytes, range)
        case 0x86dd: header = ipv6(bytes, range)
        case 0x8847, 0x8848:
            // MPLS: labels until the bottom of the stack, then IP (by its version nibble) or a pseudowire.
            var at = range.lowerBound
            for _ in 0..<8 {
                guard at + 4 <= range.upperBound else {
                    result.problem = "MPLS label stack truncated"
                    return
                }
                result.mplsLabels += 1
                let bottom = bytes[at + 2] & 0x01 != 0
                at += 4
                if bottom { break }
            }
            guard at < range.upperBound, depth < 4 else {
                result.problem = "MPLS label stack truncated"
                return
            }
            switch bytes[at] >> 4 {
            case 4: network(bytes, at..<range.upperBound, etherType: 0x0800, &result, depth: depth + 1)
            case 6: network(bytes, at..<range.upperBound, etherType: 0x86dd, &result, depth: depth + 1)
            default: result.problem = "MPLS payload is not IP (a pseudowire)"
            }
            return
        default:
            result.problem = "EtherType 0x\(String(etherType, radix: 16)) is not IP"
            return
        }
        guard let ip = header else {
            result.problem = "IP header truncated or malformed"
            return
        }
        result.ip = ip
        guard !(ip.fragmentOffset > 0) else {
            result.transport = .other(ip.protocolNumber)
            return
        }
        let start = ip.offset + ip.headerLength
        let payloadEnd = min(range.upperBound, ip.offset + max(ip.totalLength, ip.headerLength))
        guard start <= payloadEnd else { return }
        let payload = start..<payloadEnd
        let declaredPayload = max(0, ip.totalLength - ip.headerLength)
        switch ip.protocolNumber {
        case 6:
            result.transport = tcp(bytes, payload, declaredPayload: declaredPayload)
        case 17:
            guard payload.count >= 8 else {
                result.problem = "UDP header truncated"
                return
            }
            let udp = UDPHeaderInfo(
                sourcePort: u16(bytes, start), destinationPort: u16(bytes, start + 2), length: u16(bytes, start + 4))
            result.transport = .udp(udp)
            guard depth < 4 else { return }
            if udp.destinationPort == 4790, payload.count >= 16, bytes[start + 8] & 0x04 != 0 {
                // VXLAN-GPE: the next-protocol byte says what follows (1 IPv4, 2 IPv6, 3 Ethernet).
                result.addTunnel(TunnelInfo(kind: .vxlanGPE, outer: ip, geneveOptionBytes: 0))
                result.transport = nil
                switch bytes[start + 11] {
                case 1: network(bytes, (start + 16)..<payloadEnd, etherType: 0x0800, &result, depth: depth + 1)
                case 2: network(bytes, (start + 16)..<payloadEnd, etherType: 0x86dd, &result, depth: depth + 1)
                case 3: ethernet(bytes, (start + 16)..<payloadEnd, &result, depth: depth + 1, outermost: false)
                default: result.problem = "VXLAN-GPE next protocol \(bytes[start + 11]) is not dissected"
                }
            } else if udp.destinationPort == 4789 || udp.destinationPort == 8472, payload.count >= 16,
                bytes[start + 8] & 0x08 != 0
            {
                result.addTunnel(TunnelInfo(kind: .vxlan, outer: ip, geneveOptionBytes: 0))
                result.transport = nil
                ethernet(bytes, (start + 16)..<payloadEnd, &result, depth: depth + 1, outermost: false)
            } else if udp.destinationPort == genevePort, payload.count >= 16 {
                let options = Int(bytes[start + 8] & 0x3f) * 4
                let protocolType = u16(bytes, start + 10)
                let inner = start + 16 + options
                guard inner <= payloadEnd else {
                    result.problem = "Geneve options truncated"
                    return
                }
                result.addTunnel(TunnelInfo(kind: .geneve, outer: ip, geneveOptionBytes: options))
                result.transport = nil
                if protocolType == 0x6558 {
                    ethernet(bytes, inner..<payloadEnd, &result, depth: depth + 1, outermost: false)
                } else {
                    network(bytes, inner..<payloadEnd, etherType: protocolType, &result, depth: depth + 1)
                }
            }
        case 1, 58:
            result.transport = icmp(bytes, payload, version: ip.protocolNumber == 1 ? 4 : 6)
        case 4,
            41 where depth < 4:
            // IPv4 or IPv6 inside IP (IPIP, SIT, 4in6, Calico's IPIP mode).
            result.addTunnel(TunnelInfo(kind: .ipip, outer: ip, geneveOptionBytes: 0))
            network(bytes, payload, etherType: ip.protocolNumber == 4 ? 0x0800 : 0x86dd, &result, depth: depth + 1)
        case 47 where depth < 4:
            // GRE: checksum, key and sequence fields by their flags; IP, Ethernet (NVGRE, TEB) or ERSPAN inside.
            guard payload.count >= 4 else {
                result.problem = "GRE header truncated"
                return
            }
            let flags = u16(bytes, start)
            guard flags & 0x0007 == 0 else {
                result.problem = "GRE version \(flags & 0x0007) (PPTP) is not dissected"
                return
            }
            let header =
                4 + (flags & 0x8000 != 0 ? 4 : 0) + (flags & 0x2000 != 0 ? 4 : 0) + (flags & 0x1000 != 0 ? 4 : 0)
            let protocolType = u16(bytes, start + 2)
            guard start + header <= payloadEnd else {
                result.problem = "GRE header truncated"
                return
            }
            result.addTunnel(TunnelInfo(kind: .gre, outer: ip, geneveOptionBytes: 0))
            let inner = start + header
            switch protocolType {
            case 0x0800, 0x86dd: network(bytes, inner..<payloadEnd, etherType: protocolType, &result, depth: depth + 1)
            case 0x6558: ethernet(bytes, inner..<payloadEnd, &result, depth: depth + 1, outermost: false)
            case 0x88be where inner + 8 <= payloadEnd:
                ethernet(bytes, (inner + 8)..<payloadEnd, &result, depth: depth + 1, outermost: false)
            case 0x22eb where inner + 12 <= payloadEnd:
                ethernet(bytes, (inner + 12)..<payloadEnd, &result, depth: depth + 1, outermost: false)
            default: result.problem = "GRE protocol 0x\(String(protocolType, radix: 16)) is not dissected"
            }
        default:
            result.transport = .other(ip.protocolNumber)
        }
    }

    static func ipv4(_ bytes: [UInt8], _ range: Range<Int>) -> IPHeaderInfo? {
        let b = range.lowerBound
        guard range.count >= 20, bytes[b] >> 4 == 4 else { return nil }
        let headerLength = Int(bytes[b] & 0x0f) * 4
        guard headerLength >= 20, headerLength <= range.count else { return nil }
        let flags = u16(bytes, b + 6)
        let declared = u16(bytes, b + 2)
        // BIG TCP (Linux 6.3+) sends IPv4 GSO packets over 64 KiB with total length 0: their length is what arrived.
        let big = declared == 0 && range.count > headerLength
        var header = IPHeaderInfo(
            version: 4, sourceHigh: 0, sourceLow: UInt64(u32(bytes, b + 12)), destinationHigh: 0,
            destinationLow: UInt64(u32(bytes, b + 16)),
            totalLength: big ? range.count : declared, headerLength: headerLength, dontFragment: flags & 0x4000 != 0,
            moreFragments: flags & 0x2000 != 0,
            fragmentOffset: (flags & 0x1fff) * 8, protocolNumber: Int(bytes[b + 9]), ttl: Int(bytes[b + 8]), offset: b)
        header.offloadLength = big
        return header
    }

    static func ipv6(_ bytes: [UInt8], _ range: Range<Int>) -> IPHeaderInfo? {
        let b = range.lowerBound
        guard range.count >= 40, bytes[b] >> 4 == 6 else { return nil }
        func word(_ at: Int) -> UInt64 { UInt64(u32(bytes, at)) << 32 | UInt64(u32(bytes, at + 4)) }
        var next = Int(bytes[b + 6])
        var at = b + 40
        var fragmentOffset = 0
        var more = false
        var jumbo: Int?
        // Extension headers: hop-by-hop, routing, fragment, destination options (bounded).
        for _ in 0..<8 {
            guard next == 0 || next == 43 || next == 44 || next == 60, at + 8 <= range.upperBound else { break }
            if next == 0, u16(bytes, b + 4) == 0, bytes[at + 2] == 0xc2, bytes[at + 3] == 4 {
                // Jumbo Payload option (RFC 2675), as BIG TCP's IPv6 GSO packets carry it.
                jumbo = Int(u32(bytes, at + 4))
            }
            if next == 44 {
                let field = u16(bytes, at + 2)
                fragmentOffset = (field >> 3) * 8
                more = field & 1 != 0
                next = Int(bytes[at])
                at += 8
            } else {
                let length = (Int(bytes[at + 1]) + 1) * 8
                next = Int(bytes[at])
                at += length
            }
        }
        guard at <= range.upperBound else { return nil }
        var header = IPHeaderInfo(
            version: 6, sourceHigh: word(b + 8), sourceLow: word(b + 16), destinationHigh: word(b + 24),
            destinationLow: word(b + 32),
            totalLength: 40 + (jumbo ?? u16(bytes, b + 4)), headerLength: at - b, dontFragment: true,
            moreFragments: more, fragmentOffset: fragmentOffset,
            protocolNumber: next, ttl: Int(bytes[b + 7]), offset: b)
        header.offloadLength = jumbo != nil
        return header
    }

    static func tcp(_ bytes: [UInt8], _ range: Range<Int>, declaredPayload: Int) -> TransportInfo? {
        let b = range.lowerBound
        guard range.count >= 20 else { return nil }
        let headerLength = Int(bytes[b + 12] >> 4) * 4
        guard headerLength >= 20 else { return nil }
        var mss: Int?
        var timestamps = false
        var sack = false
        var sackLeft: UInt32?
        var sackRight: UInt32?
        // Options, bounded by the header and by what was captured; a zero-length option ends the walk.
        var at = b + 20
        let end = min(b + headerLength, range.upperBound)
        while at < end {
            let kind = bytes[at]
            if kind == 0 { break }
            if kind == 1 {
                at += 1
                continue
            }
            guard at + 1 < end else { break }
            let length = Int(bytes[at + 1])
            guard length >= 2, at + length <= end else { break }
            switch kind {
            case 2 where length == 4: mss = u16(bytes, at + 2)
            case 4: sack = true
            case 5 where length >= 10 && sackLeft == nil:
                sackLeft = u32(bytes, at + 2)
                sackRight = u32(bytes, at + 6)
            case 8: timestamps = true
            default: break
            }
            at += length
        }
        return .tcp(
            TCPHeaderInfo(
                sourcePort: u16(bytes, b), destinationPort: u16(bytes, b + 2), sequence: u32(bytes, b + 4),
                acknowledgment: u32(bytes, b + 8),
                flags: bytes[b + 13], headerLength: headerLength, payloadLength: max(0, declaredPayload - headerLength),
                mss: mss,
                timestamps: timestamps, sackPermitted: sack, sackLeft: sackLeft, sackRight: sackRight))
    }

    static func icmp(_ bytes: [UInt8], _ range: Range<Int>, version: Int) -> TransportInfo? {
        let b = range.lowerBound
        guard range.count >= 8 else { return nil }
        let type = Int(bytes[b])
        let code = Int(bytes[b + 1])
        var info = ICMPInfo(
            version: version, type: type, code: code, mtu: nil, quoted: nil, quotedSourcePort: nil,
            quotedDestinationPort: nil,
            quotedInner: nil, quotedInnerSourcePort: nil, quotedInnerDestinationPort: nil)
        let isError = version == 4 ? [3, 11, 12].contains(type) : (1...4).contains(type)
        if info.isTooBig { info.mtu = version == 4 ? u16(bytes, b + 6) : Int(u32(bytes, b + 4)) }
        if info.isEchoRequest { info.echoIdentifier = u16(bytes, b + 4) }
        if isError {
            let quoted = (b + 8)..<range.upperBound
            info.quoted = version == 4 ? ipv4(bytes, quoted) : ipv6(bytes, quoted)
            if let inner = info.quoted, inner.offset + inner.headerLength + 8 <= range.upperBound,
                [1, 58].contains(inner.protocolNumber)
            {
                // A quoted echo request: its identifier keys the flow, as a port would.
                let at = inner.offset + inner.headerLength
                if (inner.protocolNumber == 1 && bytes[at] == 8) || (inner.protocolNumber == 58 && bytes[at] == 128) {
                    info.quotedSourcePort = u16(bytes, at + 4)
                    info.quotedDestinationPort = 0
                }
            } else if let inner = info.quoted, inner.offset + inner.headerLength + 4 <= range.upperBound,
                [6, 17].contains(inner.protocolNumber)
            {
                info.quotedSourcePort = u16(bytes, inner.offset + inner.headerLength)
                info.quotedDestinationPort = u16(bytes, inner.offset + inner.headerLength + 2)
                if inner.protocolNumber == 6, inner.offset + inner.headerLength + 8 <= range.upperBound {
                    info.quotedTCPSequence = u32(bytes, inner.offset + inner.headerLength + 4)
                }
                if inner.protocolNumber == 17, let port = info.quotedDestinationPort,
                    port == 4789 || port == 8472 || port == genevePort
                {
                    // Decapsulate the quote itself: the tunnel's inner packet names the connection that was too big.
                    var nested = Dissection()
                    network(
                        bytes, inner.offset..<range.upperBound, etherType: version == 4 ? 0x0800 : 0x86dd, &nested,
                        depth: 1)
                    if nested.tunnelCount > 0, let innermost = nested.ip, innermost.offset > inner.offset {
                        info.quotedInner = innermost
                        let ports = innermost.offset + innermost.headerLength
                        if [6, 17].contains(innermost.protocolNumber), ports + 4 <= range.upperBound {
                            info.quotedInnerSourcePort = u16(bytes, ports)
                            info.quotedInnerDestinationPort = u16(bytes, ports + 2)
                            info.quotedTCPSequence =
                                innermost.protocolNumber == 6 && ports + 8 <= range.upperBound
                                ? u32(bytes, ports + 4) : nil
                        }
                    }
                }
            }
        }
        return .icmp(info)
    }
}
