/// A problem found while reading a capture: where, and what could not be read.
public struct CaptureWarning: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The frame number it concerns (1-based, as Wireshark counts), or the next frame's number for file-level damage.
    public var frame: Int
    public var message: String

    public var description: String { "frame \(frame): \(message)" }
}

/// One captured packet: where its bytes are in the file, with its interface's link type and timestamp.
public struct CapturedPacket: Sendable, Hashable {
    /// 1-based, as Wireshark numbers frames.
    public var frame: Int
    /// Nanoseconds since the epoch.
    public var timestamp: Int64
    /// The link-layer header type (LINKTYPE_*).
    public var linkType: Int
    /// The packet's bytes in the capture buffer.
    public var range: Range<Int>
    /// The length on the wire (may exceed the captured bytes when the snaplen cut it).
    public var originalLength: Int
}

/// Reads pcap (both byte orders, micro- and nanosecond) and pcapng (SHB/IDB/EPB/SPB/obsolete PB, several sections
/// and interfaces, their own link types and timestamp resolutions; unknown blocks skipped) from bytes in memory.
///
/// Every read is bounds-checked: truncated files, lying lengths, zero-length blocks and absurd values end the read
/// or skip a block with a ``CaptureWarning``, never a crash or a loop. Packets are handed out one at a time, with
/// their bytes left in place (no copy per packet).
public struct CaptureReader: Sequence, IteratorProtocol {
    public enum Format: String, Sendable { case pcap, pcapng }

    /// Why a buffer is not a capture at all.
    public struct FormatError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public let bytes: [UInt8]
    public let format: Format
    public private(set) var warnings: [CaptureWarning] = []
    var offset: Int
    var frame = 0
    var bigEndian: Bool
    // pcap
    var pcapLinkType = 0
    var nanosecond = false
    // pcapng: per interface (link type, ticks per second), reset by each section header
    var interfaces: [(linkType: Int, ticksPerSecond: Int64, snaplen: Int)] = []
    var finished = false

    public init(bytes: [UInt8]) throws(FormatError) {
        self.bytes = bytes
        guard bytes.count >= 4 else { throw FormatError(description: "too short to be a capture (\(bytes.count) bytes)") }
        let magicLE = UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24
        switch magicLE {
        case 0xa1b2_c3d4, 0xa1b2_3c4d, 0xd4c3_b2a1, 0x4d3c_b2a1:
            format = .pcap
            bigEndian = magicLE == 0xd4c3_b2a1 || magicLE == 0x4d3c_b2a1
            nanosecond = magicLE == 0xa1b2_3c4d || magicLE == 0x4d3c_b2a1
            guard bytes.count >= 24 else { throw FormatError(description: "pcap file header truncated (\(bytes.count) of 24 bytes)") }
            offset = 24
            pcapLinkType = 0
            pcapLinkType = Int(read32(20) & 0x0fff_ffff)
        case 0x0a0d_0d0a:
            format = .pcapng
            bigEndian = false
            offset = 0
        default:
            throw FormatError(description: "not a pcap or pcapng file (magic 0x\(String(magicLE, radix: 16)))")
        }
    }

    func read16(_ at: Int) -> Int {
        bigEndian ? Int(bytes[at]) << 8 | Int(bytes[at + 1]) : Int(bytes[at]) | Int(bytes[at + 1]) << 8
    }

    func read32(_ at: Int) -> UInt32 {
        let b0 = UInt32(bytes[at]), b1 = UInt32(bytes[at + 1]), b2 = UInt32(bytes[at + 2]), b3 = UInt32(bytes[at + 3])
        return bigEndian ? b0 << 24 | b1 << 16 | b2 << 8 | b3 : b0 | b1 << 8 | b2 << 16 | b3 << 24
    }

    mutating func warn(_ message: String) {
        warnings.append(CaptureWarning(frame: frame + 1, message: message))
    }

    /// Ends the read with a warning: what follows cannot be trusted.
    mutating func stop(_ message: String) -> CapturedPacket? {
        warn(message)
        finished = true
        return nil
    }

    public mutating func next() -> CapturedPacket? {
        guard !finished else { return nil }
        switch format {
        case .pcap: return nextPCAP()
        case .pcapng: return nextPCAPNG()
        }
    }

    mutating func nextPCAP() -> CapturedPacket? {
        guard offset < bytes.count else { finished = true; return nil }
        guard offset + 16 <= bytes.count else {
            return stop("record header truncated: \(bytes.count - offset) of 16 bytes")
        }
        let seconds = Int64(read32(offset)), fraction = Int64(read32(offset + 4))
        let captured = Int(read32(offset + 8)), original = Int(read32(offset + 12))
        let start = offset + 16
        guard captured <= 262_144 * 16 else {
            return stop("captured length \(captured) is absurd: the rest of the file cannot be trusted")
        }
        guard start + captured <= bytes.count else {
            return stop("packet data truncated: \(bytes.count - start) of \(captured) bytes")
        }
        offset = start + captured
        frame += 1
        return CapturedPacket(
            frame: frame, timestamp: seconds * 1_000_000_000 + (nanosecond ? fraction : fraction * 1000), linkType: pcapLinkType,
            range: start..<(start + captured), originalLength: Swift.max(original, captured))
    }

    mutating func nextPCAPNG() -> CapturedPacket? {
        while true {
            guard offset < bytes.count else { finished = true; return nil }
            guard offset + 12 <= bytes.count else {
                return stop("block header truncated: \(bytes.count - offset) bytes left")
            }
            let rawType = UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
            if rawType == 0x0a0d_0d0a {
                // Section header: its byte-order magic decides how everything in the section is read.
                let magic = UInt32(bytes[offset + 8]) | UInt32(bytes[offset + 9]) << 8 | UInt32(bytes[offset + 10]) << 16 | UInt32(bytes[offset + 11]) << 24
                if magic == 0x1a2b_3c4d {
                    bigEndian = false
                } else if magic == 0x4d3c_2b1a {
                    bigEndian = true
                } else {
                    return stop("section header with an unknown byte-order magic 0x\(String(magic, radix: 16))")
                }
                interfaces = []
            }
            let type = read32(offset)
            let length = Int(read32(offset + 4))
            guard length >= 12, length % 4 == 0 else {
                return stop("block of type \(type) claims length \(length) (must be ≥ 12 and a multiple of 4)")
            }
            guard offset + length <= bytes.count else {
                return stop("block of type \(type) claims \(length) bytes, \(bytes.count - offset) are left")
            }
            let body = offset + 8
            let end = offset + length - 4
            guard Int(read32(end)) == length else {
                return stop("block of type \(type): trailing length \(read32(end)) differs from \(length)")
            }
            offset += length
            switch type {
            case 1:  // Interface Description Block
                guard end - body >= 8 else { warn("interface block too short"); continue }
                interfaces.append((read16(body), parseResolution(options: body + 8, end: end), Int(read32(body + 4))))
            case 6, 2:  // Enhanced Packet Block, obsolete Packet Block
                guard end - body >= 20 else { warn("packet block too short (\(end - body) bytes)"); continue }
                let interface = type == 6 ? Int(read32(body)) : read16(body)
                let high = Int64(read32(body + 4)), low = Int64(read32(body + 8))
                let captured = Int(read32(body + 12)), original = Int(read32(body + 16))
                let data = body + 20
                guard captured <= end - data else {
                    warn("packet block claims \(captured) captured bytes, holds \(end - data)")
                    continue
                }
                guard interface < interfaces.count else {
                    warn("packet on interface \(interface), which was never described")
                    continue
                }
                frame += 1
                let ticks = high << 32 | low
                let described = interfaces[interface]
                return CapturedPacket(
                    frame: frame, timestamp: Self.nanoseconds(ticks: ticks, perSecond: described.ticksPerSecond), linkType: described.linkType,
                    range: data..<(data + captured), originalLength: Swift.max(original, captured))
            case 3:  // Simple Packet Block: interface 0, no timestamp
                guard end - body >= 4, let described = interfaces.first else { warn("simple packet block without an interface"); continue }
                let original = Int(read32(body))
                var captured = Swift.min(original, end - body - 4)
                if described.snaplen > 0 { captured = Swift.min(captured, described.snaplen) }
                frame += 1
                return CapturedPacket(
                    frame: frame, timestamp: 0, linkType: described.linkType, range: (body + 4)..<(body + 4 + captured),
                    originalLength: original)
            default:
                continue  // SHB, name resolution, statistics, custom and unknown blocks
            }
        }
    }

    /// `if_tsresol` (option 9): 10^-n or 2^-n seconds per tick; microseconds when absent. Option loops end at the
    /// block's end or at a malformed option.
    func parseResolution(options start: Int, end: Int) -> Int64 {
        var at = start
        var guardCount = 0
        while at + 4 <= end, guardCount < 1024 {
            guardCount += 1
            let code = read16(at), length = read16(at + 2)
            if code == 0 { break }
            if code == 9, length >= 1, at + 4 < end {
                let value = bytes[at + 4]
                let exponent = Int(value & 0x7f)
                if value & 0x80 != 0 {
                    return exponent < 63 ? Int64(1) << exponent : 1_000_000
                }
                guard exponent <= 18 else { return 1_000_000 }
                var ticks: Int64 = 1
                for _ in 0..<exponent { ticks *= 10 }
                return ticks
            }
            at += 4 + (length + 3) / 4 * 4
        }
        return 1_000_000
    }

    static func nanoseconds(ticks: Int64, perSecond: Int64) -> Int64 {
        guard perSecond > 0 else { return 0 }
        let seconds = ticks / perSecond, rest = ticks % perSecond
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return Int64.max }
        return whole &+ rest * 1_000_000_000 / perSecond
    }
}
