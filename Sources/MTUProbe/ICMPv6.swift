/// ICMPv6 messages as the prober sends and reads them (RFC 4443). A raw ICMPv6 socket delivers them without the
/// IPv6 header, and the kernel computes the checksum of what we send.
public enum ICMPv6 {
    /// An echo request whose IPv6 packet will be `packetSize` bytes (40-byte header + 8-byte ICMPv6 header + data).
    public static func echoRequest(identifier: UInt16, sequence: UInt16, packetSize: Int) -> [UInt8] {
        ICMPv4.echoMessage(type: 128, identifier: identifier, sequence: sequence, length: packetSize - 40)
    }

    /// Parses an ICMPv6 message (no IPv6 header) in terms of our echo probes.
    public static func parse(_ bytes: ArraySlice<UInt8>) -> ICMPv4.Message? {
        guard bytes.count >= 8 else { return nil }
        let base = bytes.startIndex
        func word(_ at: Int) -> UInt16 { UInt16(bytes[at]) << 8 | UInt16(bytes[at + 1]) }
        let type = bytes[base]
        let code = bytes[base + 1]
        switch type {
        case 129:
            return .echoReply(identifier: word(base + 4), sequence: word(base + 6))
        case 1, 2, 3:
            // The invoking packet: an IPv6 header (next header 58, no extension headers from us), then our echo.
            let quoted = base + 8
            guard bytes.count >= quoted + 48, bytes[quoted] >> 4 == 6, bytes[quoted + 6] == 58,
                bytes[quoted + 40] == 128
            else { return nil }
            let identifier = word(quoted + 44)
            let sequence = word(quoted + 46)
            switch type {
            case 2:
                let mtu =
                    Int(bytes[base + 4]) << 24 | Int(bytes[base + 5]) << 16 | Int(bytes[base + 6]) << 8
                    | Int(bytes[base + 7])
                return .fragmentationNeeded(mtu: mtu, identifier: identifier, sequence: sequence)
            case 3:
                return .timeExceeded(identifier: identifier, sequence: sequence)
            default:
                return .unreachable(code: code, identifier: identifier, sequence: sequence)
            }
        default:
            return nil
        }
    }
}
