import Foundation
import MTUCapture
import MTUCore
import MTUTestSupport
import Testing

/// Captures taken here, on the namespace labs, with tcpdump on the server's interface while `mtu-doctor probe
/// https://…` ran its TLS handshake: the black-hole lab (the flight's 4148-byte segment never arrives) and the svi lab
/// (a PTB arrives and the server adapts).
func fixture(_ name: String) throws -> CaptureReport {
    let path = "\(TestSupport.repositoryRoot)/Tests/MTUCaptureTests/Fixtures/\(name)"
    let data = try #require(FileManager.default.contents(atPath: path))
    var reader = try CaptureReader(bytes: [UInt8](data))
    var analyzer = CaptureAnalyzer(underlayMTU: nil)
    analyzer.add(&reader, name: name)
    return analyzer.report()
}

@Suite("Capture analysis on lab captures")
struct CaptureAnalysisTests {
    /// Capture findings are the one `Finding` with packet proof; the document writes them flat (schema 1) and
    /// reads them back to the same document, and every finding of a capture carries its proof.
    @Test func findingsKeepTheirFlatJSON() throws {
        for name in ["tls-stall-server.pcap", "tls-stall-client.pcap", "tls-ptb-server.pcap"] {
            let report = try fixture(name)
            #expect(!report.findings.isEmpty && report.findings.allSatisfy { $0.proof?.file == name }, "\(name)")
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let data = try encoder.encode(report)
            let again = try encoder.encode(try JSONDecoder().decode(CaptureReport.self, from: data))
            #expect(again == data, "\(name)")
            let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            let first = try #require((object["findings"] as? [[String: Any]])?.first)
            #expect(Set(first.keys).isSuperset(of: ["kind", "severity", "file", "frames", "summary", "evidence"]))
            #expect(first["proof"] == nil && first["details"] == nil && first["fixes"] == nil)
        }
    }

    @Test func stalledCertificateFlight() throws {
        let report = try fixture("tls-stall-server.pcap")
        #expect(report.verdict == .blackhole)
        let stalled = try #require(report.findings.first { $0.kind == .stalledSegment })
        #expect(stalled.proof?.sizes?.smallestLost == 4148)
        #expect(stalled.proof?.sizes?.largestDelivered == 1037, "the flight's 985-byte tail was SACKed")
        #expect((stalled.proof?.frames.count ?? 0) >= 3)
        #expect(stalled.proof?.direction?.hasPrefix("10.77.3.2:443 → 10.77.1.2") == true)
        let tls = try #require(report.findings.first { $0.kind == .tlsStall })
        #expect(tls.summary.contains("ClientHello"))
        #expect(report.flows.contains { $0.stalled && $0.retransmissions >= 3 })
    }

    @Test func ptbThatTookEffect() throws {
        let report = try fixture("tls-ptb-server.pcap")
        let ptb = try #require(report.findings.first { $0.kind == .ptbSeen })
        #expect(ptb.proof?.ptb?.mtu == 1500)
        #expect(ptb.proof?.ptb?.source == "10.77.3.1")
        #expect(ptb.proof?.ptb?.senderAdapted == true)
        #expect(report.verdict == .degraded)
        #expect(!report.findings.contains { $0.kind == .stalledSegment })
    }

    @Test func oversizeTunnelPackets() throws {
        let inner = Build.ethernet(Build.ipv4(Build.tcp(payload: 1448), protocolNumber: 6))
        let outer = Build.ethernet(
            Build.ipv4(Build.udp([0x08, 0, 0, 0, 0, 0, 1, 0] + inner, destination: 4789), protocolNumber: 17))
        var analyzer = CaptureAnalyzer(underlayMTU: 1500)
        var bytes: [UInt8] =
            [0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0] + [UInt8](repeating: 0, count: 8) + [0xff, 0xff, 0, 0, 1, 0, 0, 0]
        bytes +=
            [1, 0, 0, 0, 0, 0, 0, 0] + withUnsafeBytes(of: UInt32(outer.count).littleEndian) { Array($0) }
            + withUnsafeBytes(of: UInt32(outer.count).littleEndian) { Array($0) } + outer
        var reader = try CaptureReader(bytes: bytes)
        analyzer.add(&reader, name: "synthetic")
        let report = analyzer.report()
        let finding = try #require(report.findings.first { $0.kind == .overlayOversize })
        #expect(finding.summary.contains("1538"))
        #expect(finding.proof?.frames == [1])
    }
}

@Suite("Capture analysis from the client's side")
struct ClientSideCaptureTests {
    /// Taken on the black-hole lab's client (tcpdump -i any, so Linux SLL2) while `mtu-doctor probe https://…` ran its
    /// TLS check: the server's 4148-byte segment never arrives, its 985-byte tail does and is SACKed, the client gives
    /// up after 3 s.
    @Test func receiveGapOnARealCapture() throws {
        let report = try fixture("tls-stall-client.pcap")
        #expect(report.verdict == .blackhole)
        let gap = try #require(report.findings.first { $0.kind == .receiveGap })
        #expect(gap.summary.contains("up to 1 (relative)") && gap.summary.contains("data from 4097 on"))
        #expect(gap.proof?.sizes?.smallestLost == 4136)
        #expect(gap.proof?.sizes?.largestDelivered == 1037)
        #expect(report.findings.contains { $0.kind == .tlsStall })
        #expect(!report.findings.contains { $0.kind == .stalledSegment }, "the client never sees the lost segment")
    }
}

/// Nothing read is no evidence of health (issue 17): a capture with no readable packet is `incomplete`, never "OK".
@Suite("Capture analysis: nothing read is not OK")
struct NothingReadTests {
    static let header: [UInt8] =
        [0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0] + [UInt8](repeating: 0, count: 8) + [0xff, 0xff, 0, 0, 1, 0, 0, 0]

    func report(_ bytes: [UInt8]) throws -> CaptureReport {
        var reader = try CaptureReader(bytes: bytes)
        var analyzer = CaptureAnalyzer()
        analyzer.add(&reader, name: "x.pcap")
        return analyzer.report()
    }

    @Test func anEmptyCaptureIsIncomplete() throws {
        let report = try report(Self.header)
        #expect(report.verdict == .incomplete)
        #expect(report.conclusion.hasPrefix("nothing to analyse"))
    }

    @Test func aCorruptFirstRecordIsIncomplete() throws {
        let report = try report(
            Self.header + [0xee, 0xee, 0xee, 0xee, 0, 0, 0, 0, 0xee, 0xee, 0xee, 0xf7, 0xee, 0xee, 0xee, 0xf7]
                + [UInt8](repeating: 0x42, count: 64))
        #expect(report.verdict == .incomplete)
        #expect(report.conclusion.contains("x.pcap past frame 0"))
        #expect(!report.warnings.isEmpty)
    }
}

/// Hostile inputs end in bounded time and memory with one line (issue 16).
@Suite("Capture inputs: bounded", .serialized)
struct HostileCaptureInputTests {
    static let directory: String = {
        let path = NSTemporaryDirectory() + "mtu-doctor-hostile-\(getpid())"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    func shell(_ command: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(command)")
    }

    @Test func aDecompressionBombIsRefused() throws {
        let path = Self.directory + "/bomb.pcap.gz"
        // A valid pcap header, then 128 MiB of zeros (empty records): 128 KiB compressed.
        try shell(
            #"(printf '\324\303\262\241\002\000\004\000\000\000\000\000\000\000\000\000\377\377\000\000\001\000\000\000'; head -c 134217728 /dev/zero) | gzip -1 > "#
                + path)
        let start = ContinuousClock.now
        var reader = try CaptureReader(source: try CaptureFile(path: path))
        var analyzer = CaptureAnalyzer()
        analyzer.add(&reader, name: "bomb")
        #expect(reader.refusal?.contains("decompression bomb") == true)
        #expect(ContinuousClock.now - start < .seconds(30))
        let run = try TestSupport.run(["capture", "analyze", path])
        #expect(run.status == 2 && run.stderr.contains("refused as a decompression bomb"))
    }

    @Test func devicesAndSilentPipesAreRefused() throws {
        #expect(throws: CaptureReader.FormatError.self) { try CaptureFile(path: "/dev/zero") }
        #expect(throws: CaptureReader.FormatError.self) { try CaptureFile(path: Self.directory) }
        let fifo = Self.directory + "/silent.fifo"
        unlink(fifo)
        #expect(mkfifo(fifo, 0o600) == 0)
        let start = ContinuousClock.now
        do {
            _ = try CaptureFile(path: fifo, fifoOpenSeconds: 1)
            Issue.record("a pipe no one writes to was opened")
        } catch {
            #expect(error.description.contains("sent nothing within 1 s"))
        }
        #expect(ContinuousClock.now - start < .seconds(5))
    }

    /// Several files, one unreadable: it is named, the others are analysed, and the verdict is never OK.
    @Test func oneUnreadableFileAmongSeveral() throws {
        let good = "\(TestSupport.repositoryRoot)/Tests/MTUCaptureTests/Fixtures/tls-stall-server.pcap"
        let run = try TestSupport.run(["capture", "analyze", "/dev/zero", good, "--json"])
        #expect(run.status == 1)
        let json = run.json
        #expect((json["packets"] as? Int ?? 0) > 0)
        #expect((json["warnings"] as? [String])?.contains { $0.hasPrefix("/dev/zero: not analysed:") } == true)
        let empty = Self.directory + "/empty.pcap"
        try shell(
            #"printf '\324\303\262\241\002\000\004\000\000\000\000\000\000\000\000\000\377\377\000\000\001\000\000\000' > "#
                + empty)
        let both = try TestSupport.run(["capture", "analyze", "/dev/zero", empty, "--json"])
        #expect(both.status == 1 && both.json["verdict"] as? String == "incomplete")
    }
}
