/// An IPv4 or IPv6 address as 128 bits (IPv4 in the low 32), enough to test prefixes.
public struct IPAddress: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var version: IPVersion
    /// High and low 64 bits; IPv4 addresses use only the low 32 bits of `low`.
    public var high: UInt64
    public var low: UInt64

    /// Reads a literal as inet_pton(3) does (a test holds the two to the same answers): a dotted quad, or IPv6
    /// groups with at most one `::` and an optional dotted IPv4 tail; no zone (`%eth0`), no prefix.
    public init?(_ text: String) {
        if text.contains(":") {
            guard let (high, low) = Self.parseIPv6(text) else { return nil }
            self.version = .ipv6
            self.high = high
            self.low = low
        } else {
            let parts = text.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 4 else { return nil }
            var value: UInt64 = 0
            for part in parts {
                // Decimal digits only, no sign and no leading zero (inet_pton refuses "010": octal to some readers).
                guard !part.isEmpty, part.count <= 3, part.allSatisfy({ ("0"..."9").contains($0) }),
                    part.count == 1 || part.first != "0", let octet = UInt64(part), octet <= 255
                else {
                    return nil
                }
                value = value << 8 | octet
            }
            self.version = .ipv4
            self.high = 0
            self.low = value
        }
    }

    /// An IPv4 address from its 32 bits in host order (`0x0A000001` is 10.0.0.1).
    public static func v4(_ value: UInt32) -> IPAddress {
        IPAddress(version: .ipv4, high: 0, low: UInt64(value))
    }

    /// An IPv6 address from its 16 bytes in network order (a precondition: the socket layer hands over
    /// `sockaddr_in6` addresses, always 16 bytes).
    public static func v6(_ bytes: [UInt8]) -> IPAddress {
        precondition(bytes.count == 16, "an IPv6 address is 16 bytes")
        let high = bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let low = bytes[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return IPAddress(version: .ipv6, high: high, low: low)
    }

    private init(version: IPVersion, high: UInt64, low: UInt64) {
        self.version = version
        self.high = high
        self.low = low
    }

    public var isIPv6: Bool { version == .ipv6 }

    /// The 32 bits of an IPv4 address in host order (the low 32 bits of an IPv6 one).
    public var ipv4Value: UInt32 { UInt32(truncatingIfNeeded: low) }

    /// The address in network order: 4 bytes for IPv4, 16 for IPv6.
    public var bytes: [UInt8] {
        switch version {
        case .ipv4: return [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: low >> UInt64($0)) }
        case .ipv6:
            return (0..<16).map { index in
                UInt8(truncatingIfNeeded: (index < 8 ? high : low) >> UInt64((7 - index % 8) * 8))
            }
        }
    }

    /// Text as inet_ntop(3) writes it (glibc, resolv/inet_ntop.c): dotted quad for IPv4; for IPv6 lower-case groups
    /// without leading zeros, the longest run of two or more zero groups (the first of equals) as `::` (RFC 5952
    /// §4.2), and the last 32 bits as a dotted quad for IPv4-mapped (`::ffff:a.b.c.d`) and IPv4-compatible
    /// (`::a.b.c.d`, not `::` or `::1`) addresses.
    public var description: String {
        func dotted(_ value: UInt64) -> String {
            [24, 16, 8, 0].map { String((value >> UInt64($0)) & 0xff) }.joined(separator: ".")
        }
        guard version == .ipv6 else { return dotted(low) }
        let groups = (0..<8).map { index -> UInt64 in
            let word = index < 4 ? high : low
            return (word >> UInt64((3 - index % 4) * 16)) & 0xffff
        }
        var best: (start: Int, length: Int) = (-1, 0)
        var index = 0
        while index < 8 {
            guard groups[index] == 0 else {
                index += 1
                continue
            }
            var end = index
            while end < 8, groups[end] == 0 { end += 1 }
            if end - index > best.length { best = (index, end - index) }
            index = end
        }
        if best.length < 2 { best = (-1, 0) }
        let embedsIPv4 = best.start == 0 && (best.length == 6 || (best.length == 5 && groups[5] == 0xffff))
        var text = ""
        index = 0
        while index < 8 {
            if index == best.start {
                text += "::"
                index += best.length
                continue
            }
            if index == 6, embedsIPv4 {
                text += (text.hasSuffix(":") ? "" : ":") + dotted(low & 0xffff_ffff)
                break
            }
            if !text.isEmpty, !text.hasSuffix(":") { text += ":" }
            text += String(groups[index], radix: 16)
            index += 1
        }
        return text
    }

    public static func < (lhs: IPAddress, rhs: IPAddress) -> Bool {
        (lhs.version == .ipv4 ? 0 : 1, lhs.high, lhs.low) < (rhs.version == .ipv4 ? 0 : 1, rhs.high, rhs.low)
    }

    private static func parseIPv6(_ text: String) -> (UInt64, UInt64)? {
        var halves: [String] = []
        if let range = text.firstRange(of: "::") {
            halves = [String(text[..<range.lowerBound]), String(text[range.upperBound...])]
            if halves[1].contains("::") { return nil }
        } else {
            halves = [text]
        }
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String) -> [UInt64]? {
            if part.isEmpty { return [] }
            var result: [UInt64] = []
            for group in part.split(separator: ":", omittingEmptySubsequences: false) {
                guard !group.isEmpty, group.count <= 4, group.allSatisfy(\.isHexDigit), group.allSatisfy(\.isASCII),
                    let value = UInt64(group, radix: 16)
                else { return nil }
                result.append(value)
            }
            return result
        }
        // An IPv4 tail (`::ffff:10.0.0.1`, inet_pton accepts it) stands for the last two groups.
        if let last = halves[halves.count - 1].split(separator: ":", omittingEmptySubsequences: false).last,
            last.contains(".")
        {
            guard let tail = IPAddress(String(last)), tail.version == .ipv4 else { return nil }
            let rest = halves[halves.count - 1].dropLast(last.count)
            halves[halves.count - 1] =
                rest + String(tail.low >> 16, radix: 16) + ":" + String(tail.low & 0xffff, radix: 16)
        }
        guard let head = groups(halves[0]) else { return nil }
        var all: [UInt64]
        if halves.count == 2 {
            guard let tail = groups(halves[1]), head.count + tail.count < 8 else { return nil }
            all = head + [UInt64](repeating: 0, count: 8 - head.count - tail.count) + tail
        } else {
            all = head
        }
        guard all.count == 8 else { return nil }
        let high = all[0..<4].reduce(UInt64(0)) { $0 << 16 | $1 }
        let low = all[4..<8].reduce(UInt64(0)) { $0 << 16 | $1 }
        return (high, low)
    }
}

/// An address with a prefix length, e.g. `10.10.20.20/24`: the interface address and its connected subnet.
public struct IPNetwork: Sendable, Hashable, CustomStringConvertible {
    public var address: IPAddress
    public var prefixLength: Int

    /// Reads `ADDRESS/LEN`, or a bare address as a host route (/32 or /128).
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let address = IPAddress(String(parts[0])) else { return nil }
        let maximum = address.version == .ipv4 ? 32 : 128
        if parts.count == 2 {
            guard let length = Int(parts[1]), (0...maximum).contains(length) else { return nil }
            self.prefixLength = length
        } else {
            self.prefixLength = maximum
        }
        self.address = address
    }

    public var description: String { "\(address)/\(prefixLength)" }

    /// The network with its host bits cleared (10.88.1.12/24 → 10.88.1.0/24).
    public var masked: IPNetwork {
        var copy = self
        switch address.version {
        case .ipv4:
            let mask: UInt64 = prefixLength == 0 ? 0 : (0xffff_ffff << UInt64(32 - prefixLength)) & 0xffff_ffff
            copy.address.low &= mask
        case .ipv6:
            let highBits = min(prefixLength, 64)
            let lowBits = max(prefixLength - 64, 0)
            copy.address.high &= highBits == 0 ? 0 : ~UInt64(0) << UInt64(64 - highBits)
            copy.address.low &= lowBits == 0 ? 0 : ~UInt64(0) << UInt64(64 - lowBits)
        }
        return copy
    }

    /// Whether `other` lies in this network.
    public func contains(_ other: IPAddress) -> Bool {
        guard other.version == address.version else { return false }
        switch address.version {
        case .ipv4:
            guard prefixLength > 0 else { return true }
            let mask: UInt64 = (0xffff_ffff << UInt64(32 - prefixLength)) & 0xffff_ffff
            return other.low & mask == address.low & mask
        case .ipv6:
            let highBits = min(prefixLength, 64)
            let lowBits = max(prefixLength - 64, 0)
            let highMask: UInt64 = highBits == 0 ? 0 : ~UInt64(0) << UInt64(64 - highBits)
            let lowMask: UInt64 = lowBits == 0 ? 0 : ~UInt64(0) << UInt64(64 - lowBits)
            return other.high & highMask == address.high & highMask && other.low & lowMask == address.low & lowMask
        }
    }
}
