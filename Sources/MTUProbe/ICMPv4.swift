/// ICMPv4 messages as the prober sends and reads them (RFC 792, RFC 1191). Pure byte handling, no I/O.
public enum ICMPv4 {
    /// The Internet checksum (RFC 1071).
    public static func checksum(_ bytes: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        var index = 0
        while index + 1 < bytes.count {
            sum += UInt32(bytes[index]) << 8 | UInt32(bytes[index + 1])
            index += 2
        }
        if index < bytes.count { sum += UInt32(bytes[index]) << 8 }
        while sum > 0xffff { sum = (sum & 0xffff) + (sum >> 16) }
        return ~UInt16(sum)
    }

    /// An echo request whose IP packet will be `packetSize` bytes (20-byte IP header + 8-byte ICMP header + data).
    public static func echoRequest(identifier: UInt16, sequence: UInt16, packetSize: Int) -> [UInt8] {
        var bytes = echoMessage(type: 8, identifier: identifier, sequence: sequence, length: packetSize - 20)
        let sum = checksum(bytes)
        bytes[2] = UInt8(sum >> 8)
        bytes[3] = UInt8(sum & 0xff)
        return bytes
    }

    /// An echo request message of `length` bytes (at least 8), checksum left zero: type, code, checksum, identifier,
    /// sequence, then a counting pattern.
    static func echoMessage(type: UInt8, identifier: UInt16, sequence: UInt16, length: Int) -> [UInt8] {
        let total = max(length, 8)
        var bytes = [UInt8](repeating: 0, count: total)
        bytes[0] = type
        bytes[4] = UInt8(identifier >> 8)
        bytes[5] = UInt8(identifier & 0xff)
        bytes[6] = UInt8(sequence >> 8)
        bytes[7] = UInt8(sequence & 0xff)
        for index in 8..<total { bytes[index] = UInt8(truncatingIfNeeded: index) }
        return bytes
    }

    /// What an incoming ICMP packet means for our probes.
    public enum Message: Equatable, Sendable {
        case echoReply(identifier: UInt16, sequence: UInt16)
        /// "Fragmentation needed" (type 3 code 4) quoting our echo; `mtu` from the next-hop MTU field (0 if the router left it out).
        case fragmentationNeeded(mtu: Int, identifier: UInt16, sequence: UInt16)
        /// "Time exceeded in transit" quoting our echo.
        case timeExceeded(identifier: UInt16, sequence: UInt16)
        /// Another "destination unreachable" quoting our echo.
        case unreachable(code: UInt8, identifier: UInt16, sequence: UInt16)
    }

    /// Parses a packet read from a raw IPv4 ICMP socket (IP header included). Anything else, or anything
    /// truncated or malformed, is `nil`.
    public static func parse(_ bytes: ArraySlice<UInt8>) -> (source: UInt32, message: Message)? {
        guard bytes.count >= 20 else { return nil }
        let base = bytes.startIndex
        guard bytes[base] >> 4 == 4 else { return nil }
        let headerLength = Int(bytes[base] & 0x0f) * 4
        guard headerLength >= 20, bytes.count >= headerLength + 8, bytes[base + 9] == 1 else { return nil }
        let source =
            UInt32(bytes[base + 12]) << 24 | UInt32(bytes[base + 13]) << 16 | UInt32(bytes[base + 14]) << 8
            | UInt32(bytes[base + 15])
        let icmp = base + headerLength
        let type = bytes[icmp]
        let code = bytes[icmp + 1]
        func word(_ at: Int) -> UInt16 { UInt16(bytes[at]) << 8 | UInt16(bytes[at + 1]) }
        switch type {
        case 0:
            return (source, .echoReply(identifier: word(icmp + 4), sequence: word(icmp + 6)))
        case 3, 11:
            // The quoted original: its IP header, then at least 8 bytes of our echo request.
            let quoted = icmp + 8
            guard bytes.count >= quoted + 20 else { return nil }
            let quotedLength = Int(bytes[quoted] & 0x0f) * 4
            guard bytes[quoted] >> 4 == 4, quotedLength >= 20, bytes[quoted + 9] == 1,
                bytes.count >= quoted + quotedLength + 8
            else { return nil }
            let echo = quoted + quotedLength
            guard bytes[echo] == 8 else { return nil }
            let identifier = word(echo + 4)
            let sequence = word(echo + 6)
            if type == 11 { return (source, .timeExceeded(identifier: identifier, sequence: sequence)) }
            if code == 4 {
                return (
                    source, .fragmentationNeeded(mtu: Int(word(icmp + 6)), identifier: identifier, sequence: sequence)
                )
            }
            return (source, .unreachable(code: code, identifier: identifier, sequence: sequence))
        default:
            return nil
        }
    }
}
