import Foundation
import MTUCore
import Testing

@testable import MTUCapture

/// Each class of confident wrong answer the public sample captures showed (issue 15), rebuilt packet by packet:
/// the verdict and the evidence level each finding claims.
@Suite("capture analyze claims only what the capture proves")
struct EvidenceTests {
    func analyse(_ packets: [(seconds: UInt32, fraction: UInt32, bytes: [UInt8])], linkType: Int) throws
        -> CaptureReport
    {
        var reader = try CaptureReader(
            bytes: pcap(bigEndian: false, nanosecond: false, linkType: linkType, packets: packets))
        var analyzer = CaptureAnalyzer()
        analyzer.add(&reader, name: "x.pcap")
        return analyzer.report()
    }

    /// A client resets; the server keeps retransmitting its last small segment and FIN. Larger segments had been
    /// acknowledged before. Before: "black hole, path MTU below 69 bytes".
    @Test func retransmissionsAfterAResetAreNoWall() throws {
        var c = Conversation()
        c.handshake()
        c.send(fromClient: false, seq: 5001, ack: 1001, flags: 0x18, payload: [UInt8](repeating: 1, count: 1251))
        c.send(fromClient: true, seq: 1001, ack: 6252)
        c.send(fromClient: true, seq: 1001, ack: 6252, flags: 0x04)  // RST
        for _ in 0..<6 {
            c.send(fromClient: false, seq: 6252, ack: 1001, flags: 0x19, payload: [UInt8](repeating: 2, count: 29))
        }
        let report = try c.report()
        #expect(!report.findings.contains { $0.kind == .stalledSegment }, "\(report.findings.map(\.summary))")
        #expect(report.verdict != .blackhole)
        let reset = try #require(report.findings.first { $0.kind == .peerReset })
        #expect(reset.summary.contains("6 packets of it followed"))
        #expect(!report.conclusion.contains("path MTU"))
    }

    /// One 648-byte segment sent six times to a peer that never answered at all. Before: critical "path MTU < 688".
    @Test func aDeadPeerIsNoWall() throws {
        var c = Conversation()
        for _ in 0..<6 {
            c.send(fromClient: true, seq: 1001, ack: 1, flags: 0x18, payload: [UInt8](repeating: 3, count: 608))
        }
        let report = try c.report()
        #expect(!report.findings.contains { $0.kind == .stalledSegment })
        let silent = try #require(report.findings.first { $0.kind == .peerSilent })
        #expect(silent.proof?.evidence == .cannotTell)
        #expect(silent.summary.contains("no handshake"))
        #expect(report.verdict == .incomplete)
        #expect(!report.conclusion.contains("path MTU <"))
    }

    /// A real wall for contrast: smaller segments acknowledged after the big one, SACK showing the hole.
    /// 1000 bytes acknowledged, then a 4000-byte segment sent five times while the client keeps answering.
    static func liveStall() -> Conversation {
        var c = Conversation()
        c.handshake()
        c.send(fromClient: false, seq: 5001, ack: 1001, flags: 0x18, payload: [UInt8](repeating: 1, count: 1000))
        c.send(fromClient: true, seq: 1001, ack: 6001)
        for _ in 0..<5 {
            c.send(fromClient: false, seq: 6001, ack: 1001, flags: 0x18, payload: [UInt8](repeating: 2, count: 4000))
        }
        return c
    }

    @Test func aLiveSizeDependentDropIsConfirmed() throws {
        var c = Self.liveStall()
        c.send(fromClient: false, seq: 10001, ack: 1001, flags: 0x18, payload: [UInt8](repeating: 2, count: 500))
        c.send(fromClient: true, seq: 1001, ack: 6001, sack: (10001, 10501))
        c.send(fromClient: false, seq: 6001, ack: 1001, flags: 0x18, payload: [UInt8](repeating: 2, count: 4000))
        c.send(fromClient: true, seq: 1001, ack: 6001, sack: (10001, 10501))
        let report = try c.report()
        let stall = try #require(report.findings.first { $0.kind == .stalledSegment })
        #expect(stall.proof?.evidence == .confirmed)
        #expect(stall.proof?.sizes?.largestDelivered == 1040 && stall.proof?.sizes?.smallestLost == 4040)
        #expect(report.verdict == .blackhole)
    }

    /// A PTB and nothing after it: "cannot tell", never "the sender adapted". UDP flows are followed too.
    @Test func aPTBWithoutLaterPacketsCannotTell() throws {
        var c = Conversation()
        c.handshake()
        c.send(fromClient: false, seq: 5001, ack: 1001, flags: 0x18, payload: [UInt8](repeating: 1, count: 1460))
        let quoted = Conversation.ipv4(
            Conversation.tcpHeader(from: 443, to: 40000, seq: 5001, ack: 1001, flags: 0x18, mss: nil, sack: nil),
            protocolNumber: 6, source: c.server, destination: c.client)
        c.raw(
            Conversation.ipv4(
                [3, 4, 0, 0, 0, 0, 0x05, 0x78] + quoted, protocolNumber: 1, source: [10, 0, 2, 1], destination: c.server
            ))
        let report = try c.report()
        let ptb = try #require(report.findings.first { $0.kind == .ptbSeen })
        #expect(ptb.proof?.ptb?.senderAdapted == nil)
        #expect(ptb.proof?.evidence == .cannotTell)
        #expect(report.conclusion.contains("cannot tell whether the sender adapted"))
        #expect(!report.conclusion.contains("the sender adapted;"))

        // UDP: the same datagram size sent again after the PTB is seen, and called what it is.
        var u = Conversation()
        let udp = { (size: Int) -> [UInt8] in
            [0x13, 0x88, 0x13, 0x89, UInt8((8 + size) >> 8), UInt8((8 + size) & 0xff), 0, 0]
                + [UInt8](repeating: 0, count: size)
        }
        u.raw(Conversation.ipv4(udp(1472), protocolNumber: 17, source: u.client, destination: u.server))
        let quotedUDP = Conversation.ipv4(
            Array(udp(1472).prefix(8)), protocolNumber: 17, source: u.client, destination: u.server)
        u.raw(
            Conversation.ipv4(
                [3, 4, 0, 0, 0, 0, 0x05, 0x78] + quotedUDP, protocolNumber: 1, source: [10, 0, 2, 1],
                destination: u.client))
        for _ in 0..<5 {
            u.raw(Conversation.ipv4(udp(1472), protocolNumber: 17, source: u.client, destination: u.server))
        }
        let resent = try #require(try u.report().findings.first { $0.kind == .ptbSeen })
        #expect(resent.proof?.ptb?.senderAdapted == false, "\(resent.summary)")
    }

    /// Fragments: IPv6 only by the sender; IPv4 first and later counted exactly (not stopped at 50).
    @Test func fragmentsAreCountedAndAttributed() throws {
        var c = Conversation()
        for index in 0..<60 {
            c.raw(
                Conversation.ipv4(
                    [UInt8](repeating: 0, count: 64), protocolNumber: 17, source: c.client, destination: c.server,
                    df: false, flags: index % 2 == 0 ? 0x2000 : 0x0008))
        }
        var v6: [UInt8] =
            [0x60, 0, 0, 0, 0, 16, 44, 64] + [UInt8](repeating: 0, count: 15) + [1] + [UInt8](repeating: 0, count: 15)
            + [2]
        v6 += [17, 0, 0, 1, 0, 0, 0, 9] + [UInt8](repeating: 0, count: 8)
        c.raw(v6)
        let report = try c.report()
        let fragmented = try #require(report.findings.first { $0.kind == .fragmented })
        #expect(fragmented.summary.contains("1 IPv6 fragments: only the sending host fragments IPv6"))
        #expect(fragmented.summary.contains("60 IPv4 fragments (30 first, 30 later)"))
    }

    /// A stall inside MPLS (Ethernet, one label) and inside GRE: found through them, and said so in the coverage.
    @Test func stallsInsideMPLSAndGRE() throws {
        var c = Self.liveStall()
        c.send(fromClient: true, seq: 1001, ack: 6001, sack: (10001, 10501))
        let mac = [UInt8](repeating: 0x02, count: 12)
        let mpls = c.packets.map { ($0.seconds, $0.fraction, mac + [0x88, 0x47, 0x00, 0x01, 0x01, 0x40] + $0.bytes) }
        let viaMPLS = try analyse(mpls, linkType: 1)
        #expect(viaMPLS.findings.contains { $0.kind == .stalledSegment })
        #expect(viaMPLS.coverage.through.contains { $0.what == "MPLS" && $0.packets == mpls.count })
        #expect(viaMPLS.coverage.dissected == mpls.count)
        let gre = c.packets.map { packet in
            (
                packet.seconds, packet.fraction,
                Conversation.ipv4(
                    [0, 0, 0x08, 0x00] + packet.bytes, protocolNumber: 47, source: [192, 168, 9, 1],
                    destination: [192, 168, 9, 2])
            )
        }
        let viaGRE = try analyse(gre, linkType: 228)
        #expect(viaGRE.findings.contains { $0.kind == .stalledSegment })
        #expect(viaGRE.coverage.through.contains { $0.what == "GRE" })
    }

    /// Traffic it cannot read gets no silent OK.
    @Test func unreadTrafficIsIncompleteNotOK() throws {
        let radiotap = (0..<20).map { _ in (UInt32(1), UInt32(0), [UInt8](repeating: 0, count: 80)) }
        let report = try analyse(radiotap, linkType: 127)
        #expect(report.verdict == .incomplete)
        #expect(
            report.coverage.dissected == 0 && report.coverage.skipped.first?.what == "link type 127 is not dissected")
        #expect(report.conclusion.contains("only 0 of 20 packets could be read down to IP"))
    }

    @Test func ipv6AddressesInRFC5952Form() {
        #expect(FlowKey.address(6, 0x2001_0db8_0000_0000, 0x0000_0000_0000_0001) == "2001:db8::1")
        #expect(FlowKey.address(6, 0x2001_0db8_0000_0001, 0x0000_0000_0000_0001) == "2001:db8:0:1::1")
        #expect(FlowKey.address(6, 0, 1) == "::1")
        #expect(FlowKey.address(6, 0xfe80_0000_0000_0000, 0x0200_00ff_fe00_0001) == "fe80::200:ff:fe00:1")
        #expect(
            FlowKey.address(6, 0x2001_0db8_0000_0001, 0x0001_0001_0001_0001) == "2001:db8:0:1:1:1:1:1",
            "a single zero group stays")
    }

    /// Before: 182 data segments and 121 retransmissions inside CAPWAP got "ok". Now: not read, said, incomplete.
    @Test func trafficInsideCAPWAPIsNotCalledOK() throws {
        var c = Conversation()
        for _ in 0..<30 {
            let inner = [UInt8](repeating: 0x11, count: 200)
            c.raw(
                Conversation.ipv4(
                    [0x13, 0x8f, 0x14, 0x7f, 0, UInt8(8 + inner.count), 0, 0] + inner, protocolNumber: 17,
                    source: c.client, destination: c.server))
        }
        let report = try c.report()
        #expect(report.verdict == .incomplete)
        #expect(report.coverage.skipped.first?.what == "CAPWAP (not decoded)")
    }

    /// ping -M do after a PTB: the echo requests that follow are matched by their identifier.
    @Test func echoRequestsAreFollowedAfterAPTB() throws {
        var c = Conversation()
        let echo = { (size: Int) -> [UInt8] in [8, 0, 0, 0, 0x12, 0x34, 0, 1] + [UInt8](repeating: 0, count: size) }
        c.raw(Conversation.ipv4(echo(1472), protocolNumber: 1, source: c.client, destination: c.server))
        let quoted = Conversation.ipv4(
            Array(echo(1472).prefix(8)), protocolNumber: 1, source: c.client, destination: c.server)
        c.raw(
            Conversation.ipv4(
                [3, 4, 0, 0, 0, 0, 0x05, 0x78] + quoted, protocolNumber: 1, source: [10, 0, 2, 1], destination: c.client
            ))
        c.raw(Conversation.ipv4(echo(1372), protocolNumber: 1, source: c.client, destination: c.server))
        let ptb = try #require(try c.report().findings.first { $0.kind == .ptbSeen })
        #expect(ptb.proof?.ptb?.senderAdapted == true, "\(ptb.summary)")
        #expect(ptb.proof?.evidence == .confirmed)
    }

    @Test func twoSYNsWithDifferentMSSAreSaid() throws {
        var c = Conversation()
        c.send(fromClient: true, seq: 1000, ack: 0, flags: 0x02, mss: 1460)
        c.send(fromClient: true, seq: 1000, ack: 0, flags: 0x02, mss: 1360)
        let report = try c.report()
        #expect(report.findings.contains { $0.kind == .mss && $0.summary.contains("1460 then 1360") })
    }
}
