/// An IPv4 or IPv6 address as 128 bits (IPv4 in the low 32), enough to test prefixes.
public struct IPAddress: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var version: IPVersion
    /// High and low 64 bits; IPv4 addresses use only the low 32 bits of `low`.
    public var high: UInt64
    public var low: UInt64

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
                guard !part.isEmpty, part.count <= 3, part.allSatisfy(\.isASCII), let octet = UInt64(part), octet <= 255
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

    public var description: String {
        switch version {
        case .ipv4:
            return [24, 16, 8, 0].map { String((low >> UInt64($0)) & 0xff) }.joined(separator: ".")
        case .ipv6:
            let groups = (0..<8).map { index -> UInt64 in
                let word = index < 4 ? high : low
                return (word >> UInt64((3 - index % 4) * 16)) & 0xffff
            }
            return groups.map { String($0, radix: 16) }.joined(separator: ":")
        }
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
                guard !group.isEmpty, group.count <= 4, let value = UInt64(group, radix: 16) else { return nil }
                result.append(value)
            }
            return result
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
