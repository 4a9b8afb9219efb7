import Foundation
import MTUCore
import Testing

@testable import MTUCapture

/// Builds TCP conversations packet by packet (raw IPv4 link type), with real sequence numbers, so the detectors can
/// be tested on the views a lab capture cannot easily give (the receiving side, two vantage points, offload).
struct Conversation {
    var client: [UInt8] = [10, 0, 1, 2]
    var server: [UInt8] = [10, 0, 3, 2]
    var clientPort = 40_000, serverPort = 443
    var packets: [(seconds: UInt32, fraction: UInt32, bytes: [UInt8])] = []
    var time = 0.0

    static func tcpHeader(
        from: Int, to: Int, seq: UInt32, ack: UInt32, flags: UInt8, mss: Int?, sack: (UInt32, UInt32)?
    ) -> [UInt8] {
        var options: [UInt8] = []
        if let mss { options += [2, 4, UInt8(mss >> 8), UInt8(mss & 0xff)] }
        if let sack { options += [1, 1, 5, 10] + be32(sack.0) + be32(sack.1) }
        let length = 20 + options.count
        return [UInt8(from >> 8), UInt8(from & 0xff), UInt8(to >> 8), UInt8(to & 0xff)] + be32(seq) + be32(ack)
            + [UInt8(length / 4) << 4, flags, 0xff, 0xff, 0, 0, 0, 0] + options
    }

    static func be32(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
    }

    static func ipv4(
        _ payload: [UInt8], protocolNumber: UInt8, source: [UInt8], destination: [UInt8], df: Bool = true,
        flags: UInt16? = nil
    ) -> [UInt8] {
        let total = 20 + payload.count
        let field = flags ?? (df ? 0x4000 : 0)
        return [
            0x45, 0, UInt8(total >> 8), UInt8(total & 0xff), 0, 1, UInt8(field >> 8), UInt8(field & 0xff), 64,
            protocolNumber, 0, 0,
        ] + source + destination + payload
    }

    mutating func at(_ seconds: Double) { time = seconds }

    mutating func raw(_ bytes: [UInt8]) {
        packets.append((UInt32(time), UInt32((time - time.rounded(.down)) * 1_000_000), bytes))
        time += 0.0001
    }

    mutating func send(
        fromClient: Bool, seq: UInt32, ack: UInt32, flags: UInt8 = 0x10, payload: [UInt8] = [], mss: Int? = nil,
        sack: (UInt32, UInt32)? = nil
    ) {
        let tcp = Self.tcpHeader(
            from: fromClient ? clientPort : serverPort, to: fromClient ? serverPort : clientPort, seq: seq, ack: ack,
            flags: flags, mss: mss, sack: sack)
        raw(
            Self.ipv4(
                tcp + payload, protocolNumber: 6, source: fromClient ? client : server,
                destination: fromClient ? server : client))
    }

    /// SYN, SYN-ACK, ACK with client ISN 1000 and server ISN 5000.
    mutating func handshake(clientMSS: Int = 8960, serverMSS: Int = 8960) {
        send(fromClient: true, seq: 1000, ack: 0, flags: 0x02, mss: clientMSS)
        send(fromClient: false, seq: 5000, ack: 1001, flags: 0x12, mss: serverMSS)
        send(fromClient: true, seq: 1001, ack: 5001)
    }

    static func record(_ type: UInt8, _ body: [UInt8]) -> [UInt8] {
        [type, 3, 3, UInt8(body.count >> 8), UInt8(body.count & 0xff)] + body
    }
    static func handshakeMessage(_ type: UInt8, length: Int) -> [UInt8] {
        [type, UInt8(length >> 16), UInt8(length >> 8 & 0xff), UInt8(length & 0xff)]
            + [UInt8](repeating: 0, count: Swift.min(length, 120))
    }
    static let clientHello = record(22, handshakeMessage(1, length: 120))

    func analyse(name: String = "test.pcap", into analyzer: inout CaptureAnalyzer) throws {
        var reader = try CaptureReader(
            bytes: pcap(bigEndian: false, nanosecond: false, linkType: 228, packets: packets))
        analyzer.add(&reader, name: name)
    }

    func report(mtu: Int? = nil) throws -> CaptureReport {
        var analyzer = CaptureAnalyzer(underlayMTU: mtu)
        try analyse(into: &analyzer)
        return analyzer.report()
    }
}

@Suite("Capture detectors on built conversations")
struct ScenarioTests {
    /// The client's view of the NSX incident: the server's first big segment never arrives, its tail does, the
    /// client SACKs it and gives up after 10 s.
    @Test func receivingSideOfABlackHoleAndGosTimeout() throws {
        var c = Conversation()
        c.handshake()
        c.send(fromClient: true, seq: 1001, ack: 5001, flags: 0x18, payload: Conversation.clientHello)
        let hello = UInt32(Conversation.clientHello.count)
        // (the 4096-byte segment 5001..9097 is lost upstream)
        c.at(0.2)
        c.send(fromClient: false, seq: 9097, ack: 1001 + hello, flags: 0x18, payload: [UInt8](repeating: 0, count: 985))
        c.send(fromClient: true, seq: 1001 + hello, ack: 5001, sack: (9097, 10082))
        c.at(10.0)
        c.send(fromClient: true, seq: 1001 + hello, ack: 5001, flags: 0x04)
        let report = try c.report()
        #expect(report.verdict == .blackhole)
        let gap = try #require(report.findings.first { $0.kind == .receiveGap })
        #expect(gap.proof?.sizes?.smallestLost == 4136, "4096 bytes + 40 of headers")
        #expect(gap.proof?.sizes?.largestDelivered == 1025)
        #expect(gap.proof?.frames == [6])
        let tls = try #require(report.findings.first { $0.kind == .tlsStall })
        #expect(tls.summary.contains("Go's default TLS handshake timeout"))
        #expect(tls.proof?.frames.first == 4)
        #expect(report.conclusion.contains("receiving side"))
    }

    /// A real TLS failure (the client rejects the certificate) after the whole flight arrived: not an MTU problem.
    @Test func tlsAlertIsNotBlamedOnTheMTU() throws {
        var c = Conversation()
        c.handshake()
        c.send(fromClient: true, seq: 1001, ack: 5001, flags: 0x18, payload: Conversation.clientHello)
        let hello = UInt32(Conversation.clientHello.count)
        let flight =
            Conversation.record(22, Conversation.handshakeMessage(2, length: 80)) + [UInt8](repeating: 0, count: 1300)
        c.send(fromClient: false, seq: 5001, ack: 1001 + hello, flags: 0x18, payload: flight)
        c.send(fromClient: true, seq: 1001 + hello, ack: 5001 + UInt32(flight.count))
        c.send(
            fromClient: true, seq: 1001 + hello, ack: 5001 + UInt32(flight.count), flags: 0x18,
            payload: Conversation.record(21, [2, 48]))
        let report = try c.report()
        #expect(report.verdict == .ok)
        let alert = try #require(report.findings.first { $0.kind == .tlsAlert })
        #expect(alert.summary.contains("unknown_ca") && alert.summary.contains("client"))
        #expect(report.conclusion.hasPrefix("not an MTU problem"))
        #expect(report.flows.first?.tls == .alert)
    }

    @Test func completedHandshakeIsTimed() throws {
        var c = Conversation()
        c.handshake()
        c.send(fromClient: true, seq: 1001, ack: 5001, flags: 0x18, payload: Conversation.clientHello)
        let hello = UInt32(Conversation.clientHello.count)
        let flight = Conversation.record(22, Conversation.handshakeMessage(2, length: 80))
        c.at(0.05)
        c.send(fromClient: false, seq: 5001, ack: 1001 + hello, flags: 0x18, payload: flight)
        c.send(
            fromClient: true, seq: 1001 + hello, ack: 5001 + UInt32(flight.count), flags: 0x18,
            payload: Conversation.record(20, [1]))
        let report = try c.report()
        #expect(report.verdict == .ok)
        #expect(report.flows.first?.tls == .completed)
        let ms = try #require(report.flows.first?.tlsHandshakeMs)
        #expect(abs(ms - 49.9) < 0.5)
    }

    /// The same SYN captured on both sides of a clamping router.
    @Test func mssRewrittenBetweenTwoCapturePoints() throws {
        var inside = Conversation()
        var outside = Conversation()
        inside.send(fromClient: true, seq: 1000, ack: 0, flags: 0x02, mss: 8960)
        outside.send(fromClient: true, seq: 1000, ack: 0, flags: 0x02, mss: 1410)
        var analyzer = CaptureAnalyzer()
        try inside.analyse(name: "node.pcap", into: &analyzer)
        try outside.analyse(name: "peer.pcap", into: &analyzer)
        let report = analyzer.report()
        let clamp = try #require(report.findings.first { $0.kind == .mssClamped })
        #expect(clamp.proof?.file == "peer.pcap" && clamp.summary.contains("8960") && clamp.summary.contains("1410"))
        #expect(
            !report.findings.contains { $0.kind == .stalledSegment },
            "the same segment in two files is not a retransmission")
    }

    @Test func segmentsAboveTheMSSMeanOffload() throws {
        var c = Conversation()
        c.handshake(clientMSS: 1460, serverMSS: 1460)
        c.send(fromClient: false, seq: 5001, ack: 1001, flags: 0x18, payload: [UInt8](repeating: 1, count: 2920))
        c.send(fromClient: true, seq: 1001, ack: 7921)
        let report = try c.report()
        let offload = try #require(report.findings.first { $0.kind == .offload })
        #expect(offload.proof?.frames == [4])
        #expect(report.verdict == .ok)
    }

    /// A PTB about a VXLAN packet names the connection inside the tunnel; the sender did not adapt.
    @Test func ptbAboutATunnelPacketIsMatchedToTheInnerConnection() throws {
        var c = Conversation()
        c.handshake()
        let innerTCP = Conversation.tcpHeader(
            from: 443, to: 40_000, seq: 5001, ack: 1001, flags: 0x18, mss: nil, sack: nil)
        let inner = Conversation.ipv4(
            innerTCP + [UInt8](repeating: 0, count: 1460), protocolNumber: 6, source: c.server, destination: c.client)
        let vxlan = [0x08, 0, 0, 0, 0, 0, 1, 0] + [UInt8](repeating: 2, count: 12) + [0x08, 0x00] + inner
        let udp: [UInt8] =
            [0x9c, 0x40, 0x12, 0xb5, UInt8((8 + vxlan.count) >> 8), UInt8((8 + vxlan.count) & 0xff), 0, 0] + vxlan
        let outer = Conversation.ipv4(
            udp, protocolNumber: 17, source: [192, 168, 0, 3], destination: [192, 168, 0, 1])
        c.raw(outer)
        // The router quotes the first 576 bytes of the outer packet.
        let icmp: [UInt8] = [3, 4, 0, 0, 0, 0, 0x05, 0xdc] + Array(outer.prefix(548))
        c.raw(Conversation.ipv4(icmp, protocolNumber: 1, source: [192, 168, 0, 254], destination: [192, 168, 0, 3]))
        c.send(fromClient: false, seq: 5001, ack: 1001, flags: 0x18, payload: [UInt8](repeating: 0, count: 1460))
        let report = try c.report(mtu: 1500)
        let ptb = try #require(report.findings.first { $0.kind == .ptbSeen })
        #expect(ptb.proof?.direction == "10.0.3.2:443 → 10.0.1.2:40000")
        #expect(ptb.proof?.ptb?.mtu == 1500 && ptb.proof?.ptb?.source == "192.168.0.254")
        #expect(ptb.proof?.ptb?.senderAdapted == false)
        #expect(report.findings.contains { $0.kind == .overlayOversize && $0.proof?.frames == [4] })
        #expect(report.tunnels?.largestOuter == 1550 && report.tunnels?.largestInner == 1500)
    }

    @Test func fragmentedTunnelPackets() throws {
        var c = Conversation()
        let vxlan = [0x08, 0, 0, 0, 0, 0, 1, 0] + [UInt8](repeating: 2, count: 100)
        let udp: [UInt8] = [0x9c, 0x40, 0x12, 0xb5, 0, 116, 0, 0] + vxlan
        c.raw(
            Conversation.ipv4(
                Array(udp.prefix(64)), protocolNumber: 17, source: [192, 168, 0, 3], destination: [192, 168, 0, 1],
                flags: 0x2000))
        c.raw(
            Conversation.ipv4(
                Array(udp.dropFirst(64)), protocolNumber: 17, source: [192, 168, 0, 3], destination: [192, 168, 0, 1],
                flags: 0x0008))
        let report = try c.report()
        let fragmented = try #require(report.findings.first { $0.kind == .overlayFragmented })
        #expect(fragmented.proof?.frames.contains(2) == true)
        #expect(report.verdict == .degraded)
    }
}
