import Foundation
import Testing
import MTUCapture
import MTUTestSupport

/// Little helpers to build capture files byte by byte.
struct Bytes {
    var data: [UInt8] = []
    let bigEndian: Bool
    mutating func u16(_ value: Int) { data += bigEndian ? [UInt8(value >> 8 & 0xff), UInt8(value & 0xff)] : [UInt8(value & 0xff), UInt8(value >> 8 & 0xff)] }
    mutating func u32(_ value: UInt32) {
        let bytes = [UInt8(value & 0xff), UInt8(value >> 8 & 0xff), UInt8(value >> 16 & 0xff), UInt8(value >> 24 & 0xff)]
        data += bigEndian ? bytes.reversed() : bytes
    }
    mutating func pad() { while data.count % 4 != 0 { data.append(0) } }
}

func pcap(bigEndian: Bool, nanosecond: Bool, linkType: Int, packets: [(seconds: UInt32, fraction: UInt32, bytes: [UInt8])]) -> [UInt8] {
    var out = Bytes(bigEndian: bigEndian)
    out.u32(nanosecond ? 0xa1b2_3c4d : 0xa1b2_c3d4)
    out.u16(2); out.u16(4); out.u32(0); out.u32(0); out.u32(65535); out.u32(UInt32(linkType))
    for packet in packets {
        out.u32(packet.seconds); out.u32(packet.fraction); out.u32(UInt32(packet.bytes.count)); out.u32(UInt32(packet.bytes.count))
        out.data += packet.bytes
    }
    return out.data
}

func block(_ out: inout Bytes, type: UInt32, body: [UInt8]) {
    var padded = body
    while padded.count % 4 != 0 { padded.append(0) }
    out.u32(type); out.u32(UInt32(12 + padded.count)); out.data += padded; out.u32(UInt32(12 + padded.count))
}

func pcapng(bigEndian: Bool) -> [UInt8] {
    var out = Bytes(bigEndian: bigEndian)
    var body = Bytes(bigEndian: bigEndian)
    body.u32(0x1a2b_3c4d); body.u16(1); body.u16(0); body.data += [UInt8](repeating: 0xff, count: 8)
    block(&out, type: 0x0a0d_0d0a, body: body.data)
    // Interface 0: Ethernet, microseconds. Interface 1: raw IPv4, nanoseconds (if_tsresol = 9).
    body = Bytes(bigEndian: bigEndian); body.u16(1); body.u16(0); body.u32(0)
    block(&out, type: 1, body: body.data)
    body = Bytes(bigEndian: bigEndian); body.u16(228); body.u16(0); body.u32(0); body.u16(9); body.u16(1); body.data += [9, 0, 0, 0]; body.u16(0); body.u16(0)
    block(&out, type: 1, body: body.data)
    block(&out, type: 0x0000_0bad, body: [1, 2, 3, 4])  // an unknown block is skipped
    for (interface, ticks, payload) in [(0, UInt64(1_700_000_000_123_456), [UInt8](repeating: 0xaa, count: 60)), (1, UInt64(1_700_000_000_123_456_789), [UInt8](repeating: 0x45, count: 21))] {
        body = Bytes(bigEndian: bigEndian)
        body.u32(UInt32(interface)); body.u32(UInt32(ticks >> 32)); body.u32(UInt32(ticks & 0xffff_ffff)); body.u32(UInt32(payload.count)); body.u32(UInt32(payload.count))
        body.data += payload
        block(&out, type: 6, body: body.data)
    }
    body = Bytes(bigEndian: bigEndian); body.u32(4); body.data += [1, 2, 3, 4]
    block(&out, type: 3, body: body.data)  // simple packet block on interface 0
    return out.data
}

@Suite("pcap and pcapng readers")
struct CaptureReaderTests {
    @Test("pcap in both byte orders and resolutions", arguments: [(false, false), (true, false), (false, true), (true, true)])
    func classicPCAP(bigEndian: Bool, nanosecond: Bool) throws {
        let bytes = pcap(bigEndian: bigEndian, nanosecond: nanosecond, linkType: 1, packets: [(10, 5, [1, 2, 3]), (11, 7, [4, 5])])
        let packets = Array(try CaptureReader(bytes: bytes))
        #expect(packets.count == 2)
        #expect(packets[0].timestamp == 10_000_000_000 + (nanosecond ? 5 : 5000))
        #expect(packets[1].frame == 2)
        #expect(Array(bytes[packets[1].range]) == [4, 5])
        #expect(packets.allSatisfy { $0.linkType == 1 })
    }

    @Test("pcapng: sections, interfaces with their own link types and resolutions, SPB, unknown blocks", arguments: [false, true])
    func pcapNG(bigEndian: Bool) throws {
        let bytes = pcapng(bigEndian: bigEndian)
        var reader = try CaptureReader(bytes: bytes)
        let packets = Array(IteratorSequence(reader))
        #expect(packets.count == 3)
        #expect(packets[0].linkType == 1 && packets[0].range.count == 60)
        #expect(packets[0].timestamp == 1_700_000_000_123_456_000)
        #expect(packets[1].linkType == 228 && packets[1].range.count == 21)
        #expect(packets[1].timestamp == 1_700_000_000_123_456_789)
        #expect(packets[2].range.count == 4)
        while reader.next() != nil {}
        #expect(reader.warnings.isEmpty)
    }

    @Test func truncationIsAWarningWithTheFrameNumber() throws {
        let whole = pcap(bigEndian: false, nanosecond: false, linkType: 1, packets: [(1, 0, [1, 2, 3, 4]), (2, 0, [5, 6, 7, 8])])
        for length in 24..<whole.count {
            var reader = try CaptureReader(bytes: Array(whole.prefix(length)))
            var count = 0
            while reader.next() != nil { count += 1 }
            #expect(count <= 2)
            if ![24, 44, whole.count].contains(length) { #expect(!reader.warnings.isEmpty, "length \(length)") }
        }
        var reader = try CaptureReader(bytes: Array(whole.prefix(whole.count - 1)))
        while reader.next() != nil {}
        #expect(reader.warnings.first?.frame == 2)
    }

    @Test func notACapture() {
        #expect(throws: CaptureReader.FormatError.self) { try CaptureReader(bytes: Array("hello, world".utf8)) }
        #expect(throws: CaptureReader.FormatError.self) { try CaptureReader(bytes: [0xd4, 0xc3]) }
    }

    @Test func lyingBlockLengthsEndTheReadCleanly() throws {
        var bytes = pcapng(bigEndian: false)
        bytes[4] = 0xff; bytes[5] = 0xff; bytes[6] = 0xff; bytes[7] = 0x7f  // the section header claims 2 GB
        var reader = try CaptureReader(bytes: bytes)
        #expect(reader.next() == nil)
        #expect(reader.warnings.count == 1)
        var zero = pcapng(bigEndian: false)
        zero[4] = 0; zero[5] = 0; zero[6] = 0; zero[7] = 0  // a zero-length block
        var second = try CaptureReader(bytes: zero)
        #expect(second.next() == nil)
        #expect(second.warnings.first?.message.contains("claims length 0") == true)
    }
}

/// tcpdump's own regression captures (830 files, many malformed), used in place.
@Suite("tcpdump's regression captures")
struct CorpusTests {
    static let directory = TestSupport.repositoryRoot + "/../shared/captures/tcpdump-tests"
    static let files: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
        .filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") }.sorted()

    @Test func corpusIsThere() {
        if ProcessInfo.processInfo.environment["CI"] == "true" || FileManager.default.fileExists(atPath: Self.directory) {
            #expect(Self.files.count >= 800, "expected tcpdump's captures at \(Self.directory)")
        }
    }

    /// Every file is read to its end or to a warning; none crashes; the packet counts agree with tcpdump's wherever
    /// tcpdump itself reads the whole file.
    @Test func readsEveryFileAndAgreesWithTcpdump() throws {
        let tcpdump = ["/usr/bin/tcpdump", "/usr/sbin/tcpdump"].first { FileManager.default.isExecutableFile(atPath: $0) }
        var compared = 0, disagreements: [String] = []
        for file in Self.files {
            let path = "\(Self.directory)/\(file)"
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            var count = 0
            var clean = true
            if var reader = try? CaptureReader(bytes: [UInt8](data)) {
                while reader.next() != nil { count += 1 }
                clean = reader.warnings.isEmpty
            } else {
                clean = false
            }
            guard let tcpdump, clean else { continue }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: tcpdump)
            process.arguments = ["-r", path, "--count"]
            let out = Pipe(), err = Pipe()
            process.standardOutput = out
            process.standardError = err
            try process.run()
            let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            guard process.terminationStatus == 0, !errors.contains("truncated"), !errors.contains("error"),
                  let theirs = output.split(separator: " ").first.flatMap({ Int($0) }) else { continue }
            compared += 1
            if theirs != count { disagreements.append("\(file): tcpdump \(theirs), we \(count)") }
        }
        if tcpdump != nil, !Self.files.isEmpty {
            #expect(compared > 500, "compared \(compared) files")
            #expect(disagreements.isEmpty, "\(disagreements.prefix(10))")
        }
    }

    /// Random damage to real captures: never a crash, never a hang.
    @Test func fuzzedCorpusNeverCrashes() throws {
        var generator = SplitMix64(seed: 0x70_6361_70)
        for (number, file) in Self.files.enumerated() where number % 4 == 0 {
            guard let data = FileManager.default.contents(atPath: "\(Self.directory)/\(file)"), data.count > 24 else { continue }
            for _ in 0..<4 {
                var bytes = [UInt8](data)
                for _ in 0..<8 {
                    let index = 4 + Int(generator.next() % UInt64(bytes.count - 4))
                    bytes[index] = UInt8(truncatingIfNeeded: generator.next())
                }
                if generator.next() % 3 == 0 { bytes = Array(bytes.prefix(4 + Int(generator.next() % UInt64(bytes.count - 4)))) }
                guard var reader = try? CaptureReader(bytes: bytes) else { continue }
                var count = 0
                while reader.next() != nil { count += 1 }
                #expect(count <= bytes.count / 12 + 1)
            }
        }
    }
}
