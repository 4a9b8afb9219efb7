/// One header added by an encapsulation, with its size and where that size is defined.
public struct HeaderPart: Sendable, Hashable, Codable {
    /// What the header is, e.g. "VXLAN header".
    public var name: String
    /// Size in bytes.
    public var size: Int
    /// The specification that fixes the size, e.g. "RFC 7348 §5".
    public var reference: String

    public init(name: String, size: Int, reference: String) {
        self.name = name
        self.size = size
        self.reference = reference
    }
}

/// The ESP transforms whose sizes we know exactly.
public enum ESPCipher: String, Sendable, Hashable, Codable, CaseIterable {
    case aesGCM128 = "aes-gcm-128"
    case aesGCM256 = "aes-gcm-256"
    case chacha20Poly1305 = "chacha20-poly1305"
    case aesCBCSHA1 = "aes-cbc-sha1"
    case aesCBCSHA256 = "aes-cbc-sha256"

    /// Explicit IV carried in every packet: 8 for GCM (RFC 4106 §3.1) and ChaCha20-Poly1305 (RFC 7634 §2),
    /// 16 for AES-CBC (RFC 3602 §3).
    public var ivSize: Int {
        switch self {
        case .aesGCM128, .aesGCM256, .chacha20Poly1305: return 8
        case .aesCBCSHA1, .aesCBCSHA256: return 16
        }
    }

    /// Integrity check value: 16 for GCM (RFC 4106 §6) and ChaCha20-Poly1305 (RFC 7634 §2),
    /// 12 for HMAC-SHA1-96 (RFC 2404 §2), 16 for HMAC-SHA256-128 (RFC 4868 §2.3).
    public var icvSize: Int {
        switch self {
        case .aesGCM128, .aesGCM256, .chacha20Poly1305, .aesCBCSHA256: return 16
        case .aesCBCSHA1: return 12
        }
    }

    /// The plaintext (payload + padding + 2-byte trailer) is padded to this multiple:
    /// the AES block (16) for CBC, else ESP's own 4-byte alignment (RFC 4303 §2.4).
    public var alignment: Int {
        switch self {
        case .aesCBCSHA1, .aesCBCSHA256: return 16
        case .aesGCM128, .aesGCM256, .chacha20Poly1305: return 4
        }
    }

    var ivReference: String {
        switch self {
        case .aesGCM128, .aesGCM256: return "RFC 4106 §3.1"
        case .chacha20Poly1305: return "RFC 7634 §2"
        case .aesCBCSHA1, .aesCBCSHA256: return "RFC 3602 §3"
        }
    }

    var icvReference: String {
        switch self {
        case .aesGCM128, .aesGCM256: return "RFC 4106 §6"
        case .chacha20Poly1305: return "RFC 7634 §2"
        case .aesCBCSHA1: return "RFC 2404 §2"
        case .aesCBCSHA256: return "RFC 4868 §2.3"
        }
    }
}

/// One layer of encapsulation, with exact header sizes.
///
/// Tunnel layers wrap an inner IP packet in a new outer IP packet; `vlan` and `qinq` only add
/// 802.1Q tags to the Ethernet frame, so they change the frame size but not the IP MTU.
public enum Encapsulation: Sendable, Hashable {
    /// VXLAN (RFC 7348): outer IP + UDP + VXLAN + the inner Ethernet header.
    case vxlan
    /// Geneve (RFC 8926) carrying Ethernet (as NSX, OVN and Cilium do), with `optionsBytes` of TLV options.
    case geneve(optionsBytes: Int)
    /// IP in IP (RFC 2003; RFC 2473 for an IPv6 outer header).
    case ipip
    /// GRE (RFC 2784) with the optional RFC 2890 key and sequence fields; `ethernet` for gretap.
    case gre(checksum: Bool, key: Bool, sequence: Bool, ethernet: Bool)
    /// WireGuard transport data messages.
    case wireguard
    /// IPsec ESP in tunnel mode (RFC 4303), optionally inside UDP for NAT traversal (RFC 3948).
    case ipsecESP(cipher: ESPCipher, natTraversal: Bool)
    /// One IEEE 802.1Q tag on the frame.
    case vlan
    /// Two 802.1Q tags (802.1ad QinQ) on the frame.
    case qinq

    /// The names accepted by ``parse(_:)``.
    public static let names = [
        "vxlan", "geneve", "ipip", "gre", "gretap", "wireguard", "ipsec-esp", "vlan", "qinq", "none",
    ]

    /// The canonical spelling, which ``parse(_:)`` reads back.
    public var name: String {
        switch self {
        case .vxlan: return "vxlan"
        case .geneve(let options): return options == 0 ? "geneve" : "geneve:\(options)"
        case .ipip: return "ipip"
        case .gre(let checksum, let key, let sequence, let ethernet):
            let flags = [checksum ? "csum" : nil, key ? "key" : nil, sequence ? "seq" : nil].compactMap { $0 }
            let base = ethernet ? "gretap" : "gre"
            return flags.isEmpty ? base : base + ":" + flags.joined(separator: "+")
        case .wireguard: return "wireguard"
        case .ipsecESP(let cipher, let natTraversal):
            return "ipsec-esp:" + cipher.rawValue + (natTraversal ? "+nat-t" : "")
        case .vlan: return "vlan"
        case .qinq: return "qinq"
        }
    }

    /// True when the layer adds an outer IP header (a tunnel); false for frame-only tags.
    public var isTunnel: Bool {
        switch self {
        case .vlan, .qinq: return false
        default: return true
        }
    }

    /// Bytes added to the Ethernet frame by 802.1Q tags.
    public var frameTagBytes: Int {
        switch self {
        case .vlan: return TransportHeader.dot1QTag
        case .qinq: return 2 * TransportHeader.dot1QTag
        default: return 0
        }
    }

    /// Whether the tunnel carries a whole Ethernet frame (and so an inner Ethernet header).
    public var carriesEthernet: Bool {
        switch self {
        case .vxlan, .geneve: return true
        case .gre(_, _, _, let ethernet): return ethernet
        default: return false
        }
    }

    /// The headers this layer adds around an inner packet of `innerPacket` bytes.
    ///
    /// For ESP and WireGuard the padding depends on the inner size; it is listed as its own part when
    /// `innerPacket` is given. `wireguardMTU` caps WireGuard's padding as the Linux driver does.
    /// Long: one case per encapsulation, each the header list of its specification.
    public func headers(underlay: IPVersion, innerPacket: Int? = nil, wireguardMTU: Int? = nil) -> [HeaderPart] {
        let outerIP = HeaderPart(
            name: "outer \(underlay.displayName) header", size: underlay.headerSize, reference: underlay.reference)
        let udp = HeaderPart(name: "outer UDP header", size: TransportHeader.udp, reference: "RFC 768")
        let innerEthernet = HeaderPart(
            name: "inner Ethernet header", size: TransportHeader.ethernet,
            reference: "IEEE 802.3; no FCS inside the tunnel")
        switch self {
        case .vxlan:
            return [
                outerIP, udp,
                HeaderPart(name: "VXLAN header", size: 8, reference: "RFC 7348 §5"),
                HeaderPart(
                    name: "inner Ethernet header", size: 14, reference: "RFC 7348 §5 (inner MAC frame, FCS not carried)"
                ),
            ]
        case .geneve(let options):
            var parts = [outerIP, udp, HeaderPart(name: "Geneve base header", size: 8, reference: "RFC 8926 §3.4")]
            if options > 0 {
                parts.append(
                    HeaderPart(name: "Geneve options", size: options, reference: "RFC 8926 §3.5 (Opt Len × 4 bytes)"))
            }
            parts.append(
                HeaderPart(
                    name: "inner Ethernet header", size: 14,
                    reference: "RFC 8926 §3.4 (protocol 0x6558, Ethernet payload)"))
            return parts
        case .ipip:
            return [
                HeaderPart(
                    name: "outer \(underlay.displayName) header", size: underlay.headerSize,
                    reference: underlay == .ipv4 ? "RFC 2003 §3" : "RFC 2473 §3")
            ]
        case .gre(let checksum, let key, let sequence, let ethernet):
            var parts = [outerIP, HeaderPart(name: "GRE header", size: 4, reference: "RFC 2784 §2")]
            if checksum {
                parts.append(HeaderPart(name: "GRE checksum + reserved", size: 4, reference: "RFC 2784 §2.5"))
            }
            if key { parts.append(HeaderPart(name: "GRE key", size: 4, reference: "RFC 2890 §2.1")) }
            if sequence { parts.append(HeaderPart(name: "GRE sequence number", size: 4, reference: "RFC 2890 §2.2")) }
            if ethernet { parts.append(innerEthernet) }
            return parts
        case .wireguard:
            var parts = [
                outerIP, udp,
                HeaderPart(
                    name: "WireGuard data header (type, reserved, receiver, counter)", size: 16,
                    reference: "WireGuard whitepaper §5.4.6"),
                HeaderPart(
                    name: "Poly1305 authentication tag", size: 16, reference: "WireGuard whitepaper §5.4.6; RFC 8439"),
            ]
            if let innerPacket {
                let padding = Self.wireguardPadding(innerPacket, deviceMTU: wireguardMTU)
                if padding > 0 {
                    parts.append(
                        HeaderPart(
                            name: "padding to a multiple of 16", size: padding, reference: "WireGuard whitepaper §5.4.6"
                        ))
                }
            }
            return parts
        case .ipsecESP(let cipher, let natTraversal):
            var parts = [outerIP]
            if natTraversal {
                parts.append(HeaderPart(name: "UDP encapsulation (NAT-T)", size: 8, reference: "RFC 3948 §2.1"))
            }
            parts.append(HeaderPart(name: "ESP header (SPI, sequence)", size: 8, reference: "RFC 4303 §2"))
            parts.append(
                HeaderPart(name: "IV (\(cipher.rawValue))", size: cipher.ivSize, reference: cipher.ivReference))
            let padding = innerPacket.map { Self.espPadding($0, cipher: cipher) }
            if let padding, padding > 0 {
                parts.append(
                    HeaderPart(
                        name: "ESP padding to \(cipher.alignment)-byte alignment", size: padding,
                        reference: "RFC 4303 §2.4"))
            }
            parts.append(
                HeaderPart(name: "ESP trailer (pad length, next header)", size: 2, reference: "RFC 4303 §2.5–2.6"))
            parts.append(
                HeaderPart(name: "ICV (\(cipher.rawValue))", size: cipher.icvSize, reference: cipher.icvReference))
            return parts
        case .vlan:
            return [HeaderPart(name: "802.1Q tag (frame only)", size: 4, reference: "IEEE 802.1Q")]
        case .qinq:
            return [
                HeaderPart(
                    name: "802.1ad outer tag + 802.1Q inner tag (frame only)", size: 8, reference: "IEEE 802.1ad")
            ]
        }
    }

    /// The size of the outer IP packet that carries an inner IP packet of `inner` bytes.
    ///
    /// Frame-only layers return `inner` unchanged.
    public func outerPacketSize(inner: Int, underlay: IPVersion, wireguardMTU: Int? = nil) -> Int {
        guard isTunnel else { return inner }
        return inner
            + headers(underlay: underlay, innerPacket: inner, wireguardMTU: wireguardMTU).reduce(0) { $0 + $1.size }
    }

    /// The largest inner IP packet whose outer packet is at most `outer` bytes (may be ≤ 0 when nothing fits).
    public func largestInnerPacket(outer: Int, underlay: IPVersion) -> Int {
        switch self {
        case .vlan, .qinq:
            return outer
        case .ipsecESP(let cipher, let natTraversal):
            // outer = IP + [UDP] + 8 + IV + align(P + 2, a) + ICV  →  P = ⌊room / a⌋·a − 2
            let fixed = underlay.headerSize + (natTraversal ? 8 : 0) + 8 + cipher.ivSize + cipher.icvSize
            let room = outer - fixed
            guard room > 0 else { return room - 2 }
            return (room / cipher.alignment) * cipher.alignment - 2
        case .wireguard:
            // With the device MTU at this value the padding is capped by it, so the fixed overhead is exact.
            return outer - fixedOverhead(underlay: underlay)
        default:
            return outer - fixedOverhead(underlay: underlay)
        }
    }

    /// The overhead without any size-dependent padding.
    public func fixedOverhead(underlay: IPVersion) -> Int {
        guard isTunnel else { return 0 }
        return headers(underlay: underlay).reduce(0) { $0 + $1.size }
    }

    /// WireGuard pads the plaintext to a multiple of 16, but never beyond the device MTU (Linux `calculate_skb_padding`).
    static func wireguardPadding(_ inner: Int, deviceMTU: Int?) -> Int {
        let aligned = (inner + 15) / 16 * 16
        guard let deviceMTU, deviceMTU > 0 else { return aligned - inner }
        if inner > deviceMTU { return 0 }
        return min(aligned, deviceMTU) - inner
    }

    static func espPadding(_ inner: Int, cipher: ESPCipher) -> Int {
        let unpadded = inner + 2
        let aligned = (unpadded + cipher.alignment - 1) / cipher.alignment * cipher.alignment
        return aligned - unpadded
    }
}

/// Why an encapsulation name could not be read.
public struct EncapsulationParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The token that failed.
    public var token: String
    /// What was wrong with it.
    public var reason: String
    public var description: String { "unknown encapsulation '\(token)': \(reason)" }
}

extension Encapsulation {
    /// Reads one layer: `vxlan`, `geneve[:OPTION_BYTES]`, `ipip`, `gre[:csum+key+seq]`, `gretap[:…]`,
    /// `wireguard`, `ipsec-esp[:CIPHER][+nat-t]`, `vlan`, `qinq`.
    ///
    /// - Parameter geneveOptions: option bytes for a bare `geneve` (the `--geneve-options` flag).
    public static func parse(_ token: String, geneveOptions: Int = 0) throws(EncapsulationParseError) -> Encapsulation {
        let trimmed = token.trimmingWhitespace().lowercased()
        let (head, argument): (String, String?) = {
            if let colon = trimmed.firstIndex(of: ":") {
                return (String(trimmed[..<colon]), String(trimmed[trimmed.index(after: colon)...]))
            }
            return (trimmed, nil)
        }()
        func noArgument(_ layer: Encapsulation) throws(EncapsulationParseError) -> Encapsulation {
            if let argument {
                throw EncapsulationParseError(token: token, reason: "'\(head)' takes no argument, got ':\(argument)'")
            }
            return layer
        }
        switch head {
        case "vxlan": return try noArgument(.vxlan)
        case "geneve":
            let options: Int
            if let argument {
                guard let value = Int(argument) else {
                    throw EncapsulationParseError(
                        token: token, reason: "Geneve option length must be a number of bytes, got '\(argument)'")
                }
                options = value
            } else {
                options = geneveOptions
            }
            guard options >= 0, options <= 252, options % 4 == 0 else {
                throw EncapsulationParseError(
                    token: token,
                    reason: "Geneve options are 0–252 bytes in multiples of 4 (RFC 8926 §3.4), got \(options)")
            }
            return .geneve(optionsBytes: options)
        case "ipip", "ip-in-ip", "ipinip": return try noArgument(.ipip)
        case "gre", "gretap":
            var checksum = false
            var key = false
            var sequence = false
            for flag in (argument ?? "").split(separator: "+") {
                switch flag {
                case "csum", "checksum": checksum = true
                case "key": key = true
                case "seq", "sequence": sequence = true
                default:
                    throw EncapsulationParseError(
                        token: token,
                        reason: "GRE flags are csum, key and seq joined by '+', got '\(flag)'"
                            + Suggestion.didYouMean(String(flag), in: ["csum", "key", "seq"]))
                }
            }
            return .gre(checksum: checksum, key: key, sequence: sequence, ethernet: head == "gretap")
        case "wireguard", "wg": return try noArgument(.wireguard)
        case "ipsec-esp", "esp", "ipsec":
            var cipher = ESPCipher.aesGCM128
            var natTraversal = false
            for part in (argument ?? "").split(separator: "+") {
                if part == "nat-t" || part == "natt" {
                    natTraversal = true
                } else if let known = ESPCipher(rawValue: String(part)) {
                    cipher = known
                } else {
                    throw EncapsulationParseError(
                        token: token,
                        reason:
                            "unknown ESP transform '\(part)'; known: \(ESPCipher.allCases.map(\.rawValue).joined(separator: ", ")), and '+nat-t'"
                            + Suggestion.didYouMean(String(part), in: ESPCipher.allCases.map(\.rawValue) + ["nat-t"]))
                }
            }
            return .ipsecESP(cipher: cipher, natTraversal: natTraversal)
        case "vlan", "dot1q", "802.1q": return try noArgument(.vlan)
        case "qinq", "802.1ad": return try noArgument(.qinq)
        default:
            throw EncapsulationParseError(
                token: token,
                reason: "known: \(names.joined(separator: ", "))"
                    + Suggestion.didYouMean(head, in: names + ["wg", "esp"]))
        }
    }
}

/// An ordered stack of encapsulations, **innermost first**: `vxlan,ipsec-esp` is VXLAN carried inside ESP.
public struct EncapsulationStack: Sendable, Hashable {
    /// The layers, innermost first.
    public var layers: [Encapsulation]

    public init(_ layers: [Encapsulation]) { self.layers = layers }

    /// No encapsulation.
    public static let none = EncapsulationStack([])

    /// Reads a comma-separated list, innermost first; `none` or an empty string is the empty stack.
    public static func parse(_ text: String, geneveOptions: Int = 0) throws(EncapsulationParseError)
        -> EncapsulationStack
    {
        var layers: [Encapsulation] = []
        for token in text.split(separator: ",").map({ String($0).trimmingWhitespace() }) where !token.isEmpty {
            if token.lowercased() == "none" { continue }
            layers.append(try Encapsulation.parse(token, geneveOptions: geneveOptions))
        }
        return EncapsulationStack(layers)
    }

    /// The canonical spelling, innermost first.
    public var name: String { layers.isEmpty ? "none" : layers.map(\.name).joined(separator: ",") }

    /// The tunnel layers (those that add an IP header).
    public var tunnels: [Encapsulation] { layers.filter(\.isTunnel) }

    /// Bytes of 802.1Q tags added to the outer frame.
    public var frameTagBytes: Int { layers.reduce(0) { $0 + $1.frameTagBytes } }

    /// The largest inner IP packet that fits an outer packet of `outer` bytes.
    public func largestInnerPacket(outer: Int, underlay: IPVersion, inner: IPVersion = .ipv4) -> Int {
        var size = outer
        for layer in layers.reversed() {
            size = layer.largestInnerPacket(outer: size, underlay: underlay)
        }
        return size
    }

    /// The outer packet for an inner packet of `inner` bytes.
    ///
    /// - Parameter linkMTU: when given, WireGuard layers pad only up to their device MTU, as they would be
    ///   configured for this link (the largest inner packet that fits).
    public func outerPacketSize(inner: Int, underlay: IPVersion, linkMTU: Int? = nil) -> Int {
        var size = inner
        for (index, layer) in layers.enumerated() {
            var deviceMTU: Int?
            if case .wireguard = layer, let linkMTU {
                deviceMTU = EncapsulationStack(Array(layers[index...])).largestInnerPacket(
                    outer: linkMTU, underlay: underlay)
            }
            size = layer.outerPacketSize(inner: size, underlay: underlay, wireguardMTU: deviceMTU)
        }
        return size
    }

    /// Overhead for a packet of `inner` bytes (padding included).
    public func overhead(inner: Int, underlay: IPVersion) -> Int {
        outerPacketSize(inner: inner, underlay: underlay) - inner
    }
}

extension String {
    package func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars = scalars.dropFirst() }
        while let last = scalars.last, last.isWhitespace { scalars = scalars.dropLast() }
        return String(scalars)
    }
}
