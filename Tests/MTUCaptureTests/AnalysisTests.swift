import Foundation
import Testing
import MTUCapture
import MTUTestSupport

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
    @Test func stalledCertificateFlight() throws {
        let report = try fixture("tls-stall-server.pcap")
        #expect(report.verdict == "blackhole")
        let stalled = try #require(report.findings.first { $0.kind == "stalled-segment" })
        #expect(stalled.sizes?.smallestLost == 4148)
        #expect(stalled.sizes?.largestDelivered == 1037, "the flight's 985-byte tail was SACKed")
        #expect(stalled.frames.count >= 3)
        #expect(stalled.direction?.hasPrefix("10.77.3.2:443 → 10.77.1.2") == true)
        let tls = try #require(report.findings.first { $0.kind == "tls-stall" })
        #expect(tls.summary.contains("ClientHello"))
        #expect(report.flows.contains { $0.stalled && $0.retransmissions >= 3 })
    }

    @Test func ptbThatTookEffect() throws {
        let report = try fixture("tls-ptb-server.pcap")
        let ptb = try #require(report.findings.first { $0.kind == "ptb-seen" })
        #expect(ptb.ptb?.mtu == 1500)
        #expect(ptb.ptb?.source == "10.77.3.1")
        #expect(ptb.ptb?.senderAdapted == true)
        #expect(report.verdict == "degraded")
        #expect(!report.findings.contains { $0.kind == "stalled-segment" })
    }

    @Test func oversizeTunnelPackets() throws {
        let inner = Build.ethernet(Build.ipv4(Build.tcp(payload: 1448), protocolNumber: 6))
        let outer = Build.ethernet(Build.ipv4(Build.udp([0x08, 0, 0, 0, 0, 0, 1, 0] + inner, destination: 4789), protocolNumber: 17))
        var analyzer = CaptureAnalyzer(underlayMTU: 1500)
        var bytes: [UInt8] = [0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0] + [UInt8](repeating: 0, count: 8) + [0xff, 0xff, 0, 0, 1, 0, 0, 0]
        bytes += [1, 0, 0, 0, 0, 0, 0, 0] + withUnsafeBytes(of: UInt32(outer.count).littleEndian) { Array($0) } + withUnsafeBytes(of: UInt32(outer.count).littleEndian) { Array($0) } + outer
        var reader = try CaptureReader(bytes: bytes)
        analyzer.add(&reader, name: "synthetic")
        let report = analyzer.report()
        let finding = try #require(report.findings.first { $0.kind == "overlay-oversize" })
        #expect(finding.summary.contains("1538"))
        #expect(finding.frames == [1])
    }
}

@Suite("Capture analysis from the client's side")
struct ClientSideCaptureTests {
    /// Taken on the black-hole lab's client (tcpdump -i any, so Linux SLL2) while `mtu-doctor probe https://…` ran its
    /// TLS check: the server's 4148-byte segment never arrives, its 985-byte tail does and is SACKed, the client gives
    /// up after 3 s.
    @Test func receiveGapOnARealCapture() throws {
        let report = try fixture("tls-stall-client.pcap")
        #expect(report.verdict == "blackhole")
        let gap = try #require(report.findings.first { $0.kind == "receive-gap" })
        #expect(gap.summary.contains("up to 1 (relative)") && gap.summary.contains("data from 4097 on"))
        #expect(gap.sizes?.smallestLost == 4136)
        #expect(gap.sizes?.largestDelivered == 1037)
        #expect(report.findings.contains { $0.kind == "tls-stall" })
        #expect(!report.findings.contains { $0.kind == "stalled-segment" }, "the client never sees the lost segment")
    }
}

/// Nothing read is no evidence of health (issue 17): a capture with no readable packet is `incomplete`, never "OK".
@Suite("Capture analysis: nothing read is not OK")
struct NothingReadTests {
    static let header: [UInt8] = [0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0] + [UInt8](repeating: 0, count: 8) + [0xff, 0xff, 0, 0, 1, 0, 0, 0]

    func report(_ bytes: [UInt8]) throws -> CaptureReport {
        var reader = try CaptureReader(bytes: bytes)
        var analyzer = CaptureAnalyzer()
        analyzer.add(&reader, name: "x.pcap")
        return analyzer.report()
    }

    @Test func anEmptyCaptureIsIncomplete() throws {
        let report = try report(Self.header)
        #expect(report.verdict == "incomplete")
        #expect(report.conclusion.hasPrefix("nothing to analyse"))
    }

    @Test func aCorruptFirstRecordIsIncomplete() throws {
        let report = try report(Self.header + [0xee, 0xee, 0xee, 0xee, 0, 0, 0, 0, 0xee, 0xee, 0xee, 0xf7, 0xee, 0xee, 0xee, 0xf7] + [UInt8](repeating: 0x42, count: 64))
        #expect(report.verdict == "incomplete")
        #expect(report.conclusion.contains("x.pcap past frame 0"))
        #expect(!report.warnings.isEmpty)
    }
}
