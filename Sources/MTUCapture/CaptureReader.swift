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
/// and interfaces, their own link types and timestamp resolutions; unknown blocks skipped), either from bytes in
/// memory or streamed from a ``CaptureSource`` through a fixed window (memory stays flat whatever the file size).
///
/// Every read is bounds-checked: truncated files, lying or zero block lengths and absurd values end the read or skip
/// a block with a ``CaptureWarning``, never a crash or a loop. Packets are handed out one at a time with their bytes
/// left in place in ``bytes`` (no copy per packet); a packet's range is valid until the next call to ``next()``.
public struct CaptureReader: Sequence, IteratorProtocol {
    public enum Format: String, Sendable { case pcap, pcapng }

    /// Why a buffer is not a capture at all.
    public struct FormatError: Error, Sendable, CustomStringConvertible {
        public var description: String
        /// A limit refused the input (a decompression bomb): the whole run stops, unlike a damaged tail.
        public var refusal: Bool
        public init(description: String, refusal: Bool = false) {
            self.description = description
            self.refusal = refusal
        }
    }

    /// Set when a limit refused the input mid-read; the caller stops with this error.
    public private(set) var refusal: String?

    /// The window: valid bytes are `bytes[..<filled]`; packets point into it.
    public private(set) var bytes: [UInt8]
    public let format: Format
    /// True when the read ended at something it could not trust, before the end of the file.
    public private(set) var endedEarly = false
    public private(set) var warnings: [CaptureWarning] = []
    /// Bytes consumed before the window's start, for positions in messages.
    public private(set) var consumed = 0
    var filled: Int
    var offset: Int
    var source: (any CaptureSource)?
    var frame = 0
    var bigEndian: Bool
    // pcap
    var pcapLinkType = 0
    var nanosecond = false
    // pcapng: per interface (link type, ticks per second), reset by each section header
    var interfaces: [(linkType: Int, ticksPerSecond: Int64, snaplen: Int)] = []
    var finished = false

    /// The window's size when streaming; a block larger than this grows it up to ``largestBlock``.
    public static let windowSize = 4 << 20
    /// Larger pcapng blocks are skipped with a warning, without being held in memory.
    public static let largestBlock = 64 << 20

    /// Reads a capture held in memory.
    public init(bytes: [UInt8]) throws(FormatError) {
        try self.init(window: bytes, filled: bytes.count, source: nil)
    }

    /// Streams a capture from a source (a file, gzip-compressed or not, or standard input) through a window of
    /// `windowSize` bytes (grown only for a block that does not fit).
    public init(source: any CaptureSource, windowSize: Int = CaptureReader.windowSize) throws(FormatError) {
        var source = source
        var window = [UInt8](repeating: 0, count: Swift.max(windowSize, 64))
        var filled = 0
        // Enough for the file header; short files are judged by what they hold.
        while filled < 24 {
            let start = filled
            let count = try window.withUnsafeMutableBytes { buffer in
                Result { () throws(FormatError) -> Int in
                    try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[start...]))
                }
            }.get()
            if count == 0 { break }
            filled += count
        }
        try self.init(window: window, filled: filled, source: source)
    }

    init(window: [UInt8], filled: Int, source: (any CaptureSource)?) throws(FormatError) {
        bytes = window
        self.filled = filled
        self.source = source
        guard filled >= 4 else { throw FormatError(description: "too short to be a capture (\(filled) bytes)") }
        let magicLE = UInt32(window[0]) | UInt32(window[1]) << 8 | UInt32(window[2]) << 16 | UInt32(window[3]) << 24
        switch magicLE {
        case 0xa1b2_c3d4, 0xa1b2_3c4d, 0xd4c3_b2a1, 0x4d3c_b2a1:
            format = .pcap
            bigEndian = magicLE == 0xd4c3_b2a1 || magicLE == 0x4d3c_b2a1
            nanosecond = magicLE == 0xa1b2_3c4d || magicLE == 0x4d3c_b2a1
            guard filled >= 24 else {
                throw FormatError(description: "pcap file header truncated (\(filled) of 24 bytes)")
            }
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

    /// Bytes left in the window from the cursor.
    var available: Int { filled - offset }

    /// Makes `count` bytes from the cursor available in the window, reading from the source when needed.
    /// False when the input ends first (or the source fails: then the read stops with a warning).
    mutating func ensure(_ count: Int) -> Bool {
        if offset + count <= filled { return true }
        guard var source else { return false }
        // Slide what is left to the window's start, grow the window for a large block, then fill it.
        let left = filled - offset
        if offset > 0 {
            bytes.withUnsafeMutableBytes { raw in
                if left > 0 { raw.baseAddress!.copyMemory(from: raw.baseAddress! + offset, byteCount: left) }
            }
            consumed += offset
            offset = 0
            filled = left
        }
        if count > bytes.count { bytes.append(contentsOf: repeatElement(0, count: count - bytes.count)) }
        var ended = false
        defer { self.source = ended ? nil : source }
        while filled < bytes.count {
            let start = filled
            let result = bytes.withUnsafeMutableBytes { raw in
                Result { () throws(FormatError) -> Int in
                    try source.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[start...]))
                }
            }
            switch result {
            case .success(0):
                ended = true
                return filled >= count
            case .success(let read):
                filled += read
            case .failure(let error):
                warn("\(error.description) after \(consumed + filled) bytes")
                if error.refusal { refusal = error.description }
                ended = true
                return filled >= count
            }
            if filled >= count, filled >= bytes.count / 2 { break }
        }
        return filled >= count
    }

    /// Drops `count` bytes from the cursor without keeping them (a block too large to hold).
    mutating func discard(_ count: Int) -> Bool {
        var left = count
        while left > 0 {
            if available == 0, !ensure(1) { return false }
            let step = Swift.min(left, available)
            offset += step
            left -= step
        }
        return true
    }

    func read16(_ at: Int) -> Int {
        bigEndian ? Int(bytes[at]) << 8 | Int(bytes[at + 1]) : Int(bytes[at]) | Int(bytes[at + 1]) << 8
    }

    func read32(_ at: Int) -> UInt32 {
        let b0 = UInt32(bytes[at])
        let b1 = UInt32(bytes[at + 1])
        let b2 = UInt32(bytes[at + 2])
        let b3 = UInt32(bytes[at + 3])
        return bigEndian ? b0 << 24 | b1 << 16 | b2 << 8 | b3 : b0 | b1 << 8 | b2 << 16 | b3 << 24
    }

    mutating func warn(_ message: String) {
        if warnings.count < 1000 { warnings.append(CaptureWarning(frame: frame + 1, message: message)) }
    }

    /// Ends the read with a warning: what follows cannot be trusted.
    mutating func stop(_ message: String) -> CapturedPacket? {
        warn(message)
        finished = true
        endedEarly = true
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
        guard ensure(1) else {
            finished = true
            return nil
        }
        guard ensure(16) else {
            return stop("record header truncated: \(available) of 16 bytes")
        }
        let seconds = Int64(read32(offset))
        let fraction = Int64(read32(offset + 4))
        let captured = Int(read32(offset + 8))
        let original = Int(read32(offset + 12))
        guard captured <= 262_144 * 16 else {
            return stop("captured length \(captured) is absurd: the rest of the file cannot be trusted")
        }
        guard ensure(16 + captured) else {
            return stop("packet data truncated: \(available - 16) of \(captured) bytes")
        }
        let start = offset + 16
        offset = start + captured
        frame += 1
        return CapturedPacket(
            frame: frame, timestamp: seconds * 1_000_000_000 + (nanosecond ? fraction : fraction * 1000),
            linkType: pcapLinkType,
            range: start..<(start + captured), originalLength: Swift.max(original, captured))
    }

    /// Long: one loop over pcapng block types; each block's bounds checks sit next to the fields they guard.
    mutating func nextPCAPNG() -> CapturedPacket? {
        while true {
            guard ensure(1) else {
                finished = true
                return nil
            }
            guard ensure(12) else {
                return stop("block header truncated: \(available) bytes left")
            }
            let rawType =
                UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(
                    bytes[offset + 3]) << 24
            if rawType == 0x0a0d_0d0a {
                // Section header: its byte-order magic decides how everything in the section is read.
                let magic =
                    UInt32(bytes[offset + 8]) | UInt32(bytes[offset + 9]) << 8 | UInt32(bytes[offset + 10]) << 16
                    | UInt32(bytes[offset + 11]) << 24
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
            if length > Self.largestBlock {
                // Not held in memory: a section or interface block this large cannot be trusted; others are skipped.
                guard type != 0x0a0d_0d0a, type != 1 else {
                    return stop("block of type \(type) claims \(length) bytes")
                }
                warn("block of type \(type) is \(length) bytes: skipped")
                guard discard(length) else { return stop("the file ends inside a \(length)-byte block") }
                continue
            }
            guard ensure(length) else {
                return stop("block of type \(type) claims \(length) bytes, \(available) are left")
            }
            let body = offset + 8
            let end = offset + length - 4
            guard Int(read32(end)) == length else {
                return stop("block of type \(type): trailing length \(read32(end)) differs from \(length)")
            }
            offset += length
            switch type {
            case 1:  // Interface Description Block
                guard end - body >= 8 else {
                    warn("interface block too short")
                    continue
                }
                interfaces.append((read16(body), parseResolution(options: body + 8, end: end), Int(read32(body + 4))))
            case 6, 2:  // Enhanced Packet Block, obsolete Packet Block
                guard end - body >= 20 else {
                    warn("packet block too short (\(end - body) bytes)")
                    continue
                }
                let interface = type == 6 ? Int(read32(body)) : read16(body)
                let high = Int64(read32(body + 4))
                let low = Int64(read32(body + 8))
                let captured = Int(read32(body + 12))
                let original = Int(read32(body + 16))
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
                    frame: frame, timestamp: Self.nanoseconds(ticks: ticks, perSecond: described.ticksPerSecond),
                    linkType: described.linkType,
                    range: data..<(data + captured), originalLength: Swift.max(original, captured))
            case 3:  // Simple Packet Block: interface 0, no timestamp
                guard end - body >= 4, let described = interfaces.first else {
                    warn("simple packet block without an interface")
                    continue
                }
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
            let code = read16(at)
            let length = read16(at + 2)
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
        let seconds = ticks / perSecond
        let rest = ticks % perSecond
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return Int64.max }
        // rest < perSecond, so the quotient fits; the full-width product does not overflow for any resolution.
        let fraction = perSecond.dividingFullWidth(rest.multipliedFullWidth(by: 1_000_000_000)).quotient
        return whole &+ fraction
    }
}
