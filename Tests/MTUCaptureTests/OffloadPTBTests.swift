import Foundation
import MTUCore
import Testing

@testable import MTUCapture

/// Whether a PTB took effect is judged by delivery, not by the sizes an offloading sender records (issue 11). The
/// same upload (server → client, client MSS 1460, a router at 1400) captured at the sender and at the receiver,
/// with segmentation offload on (64 KB super-packets in the sender's capture, merged segments in the receiver's)
/// and off (wire sizes).
@Suite("capture analyze: a PTB's effect by delivery, offload on and off")
struct OffloadPTBTests {
    static let router: [UInt8] = [10, 0, 2, 1]

    /// A "fragmentation needed" (MTU 1400) from the router quoting the server's segment at `seq`.
    static func ptb(_ c: inout Conversation, seq: UInt32, length: Int) {
        let header = Conversation.tcpHeader(from: 443, to: 40000, seq: seq, ack: 1001, flags: 0x18, mss: nil, sack: nil)
        var quoted = Conversation.ipv4(
            header + [UInt8](repeating: 9, count: 8), protocolNumber: 6, source: c.server, destination: c.client)
        quoted[2] = UInt8((length >> 8) & 0xff)
        quoted[3] = UInt8(length & 0xff)
        c.raw(
            Conversation.ipv4(
                [3, 4, 0, 0, 0, 0, 0x05, 0x78] + quoted, protocolNumber: 1, source: router, destination: c.server))
    }

    /// The sender's capture: 1000 bytes acknowledged, then a segment too big for the router, its PTB, then the rest.
    /// With offload the capture shows 30000-byte super-packets before and after the PTB; without, 1460 then 1360.
    static func senderSide(offload: Bool, delivered: Bool) -> Conversation {
        var c = Conversation()
        c.handshake(clientMSS: 1460, serverMSS: 1460)
        c.send(fromClient: false, seq: 5001, ack: 1001, flags: 0x18, payload: [UInt8](repeating: 1, count: 1000))
        c.send(fromClient: true, seq: 1001, ack: 6001)
        let first = offload ? 30000 : 1460
        c.send(fromClient: false, seq: 6001, ack: 1001, flags: 0x18, payload: [UInt8](repeating: 2, count: first))
        ptb(&c, seq: 6001, length: 1500)
        if offload {
            // The kernel resends at the new size on the wire; the capture point before the NIC sees super-packets.
            c.send(fromClient: false, seq: 6001, ack: 1001, flags: 0x18, payload: [UInt8](repeating: 2, count: 30000))
        } else {
            for index in 0..<3 {
                c.send(
                    fromClient: false, seq: 6001 + UInt32(index * 1360), ack: 1001, flags: 0x18,
                    payload: [UInt8](repeating: 2, count: 1360))
            }
        }
        if delivered {
            c.send(fromClient: true, seq: 1001, ack: offload ? 36001 : 6001 + 3 * 1360)
        } else {
            // The client keeps acknowledging what it had before: the quoted data never arrives.
            for _ in 0..<3 { c.send(fromClient: true, seq: 1001, ack: 6001) }
        }
        return c
    }

    @Test(arguments: [false, true])
    func aDeliveredUploadIsHealthyAtTheSender(offload: Bool) throws {
        let report = try Self.senderSide(offload: offload, delivered: true).report()
        let ptb = try #require(report.findings.first { $0.kind == .ptbSeen })
        #expect(ptb.proof?.ptb?.senderAdapted == true, "offload \(offload): \(ptb.summary)")
        #expect(ptb.proof?.evidence == .confirmed)
        #expect(ptb.severity != .critical)
        #expect(report.verdict != .blackhole, "offload \(offload): \(report.conclusion)")
        #expect(!report.conclusion.contains("did not take effect"))
        if offload {
            #expect(ptb.summary.contains("acknowledged the data it quoted"), "\(ptb.summary)")
            #expect(report.findings.contains { $0.kind == .offload }, "the super-packets are named as offload")
        }
    }

    @Test(arguments: [false, true])
    func anUndeliveredUploadIsNotCalledHealthy(offload: Bool) throws {
        let report = try Self.senderSide(offload: offload, delivered: false).report()
        let ptb = try #require(report.findings.first { $0.kind == .ptbSeen })
        if offload {
            // Sizes prove nothing here; the peer's acknowledgments, which never cover the quoted data, make it likely.
            #expect(ptb.proof?.ptb?.senderAdapted == false, "\(ptb.summary)")
            #expect(ptb.proof?.evidence == .likely)
            #expect(ptb.summary.contains("offload super-packets"))
        } else {
            // Without offload the sender's sizes are wire sizes: it did adapt (1360-byte segments), yet nothing is
            // acknowledged — the PTB took effect as far as sizes go; a loss beyond it is another finding's business.
            #expect(ptb.proof?.ptb?.senderAdapted == true, "\(ptb.summary)")
        }
    }

    /// The receiver's capture of the delivered upload: no PTB (it went to the sender), merged segments with GRO on.
    @Test(arguments: [false, true])
    func theReceiverSideShowsNoWallForADeliveredUpload(offload: Bool) throws {
        var c = Conversation()
        c.handshake(clientMSS: 1460, serverMSS: 1460)
        c.send(fromClient: false, seq: 5001, ack: 1001, flags: 0x18, payload: [UInt8](repeating: 1, count: 1000))
        c.send(fromClient: true, seq: 1001, ack: 6001)
        if offload {
            c.send(fromClient: false, seq: 6001, ack: 1001, flags: 0x18, payload: [UInt8](repeating: 2, count: 4080))
        } else {
            for index in 0..<3 {
                c.send(
                    fromClient: false, seq: 6001 + UInt32(index * 1360), ack: 1001, flags: 0x18,
                    payload: [UInt8](repeating: 2, count: 1360))
            }
        }
        c.send(fromClient: true, seq: 1001, ack: 6001 + 4080)
        let report = try c.report()
        #expect(
            !report.findings.contains { $0.kind == .stalledSegment || $0.kind == .receiveGap },
            "\(report.findings.map(\.summary))")
        #expect(report.verdict != .blackhole)
    }
}

/// Stalls compared in wire sizes: a sender with offload records super-packets, which the wire never carried.
@Suite("capture analyze: stalls on an offloading sender")
struct OffloadStallTests {
    @Test func aStalledSuperPacketAfterDeliveredOnesIsNoSizeLimit() throws {
        var c = Conversation()
        c.handshake(clientMSS: 1460, serverMSS: 1460)
        c.send(fromClient: false, seq: 5001, ack: 1001, flags: 0x18, payload: [UInt8](repeating: 1, count: 20000))
        c.send(fromClient: true, seq: 1001, ack: 25001)
        for _ in 0..<5 {
            c.send(fromClient: false, seq: 25001, ack: 1001, flags: 0x18, payload: [UInt8](repeating: 2, count: 30000))
        }
        c.send(fromClient: true, seq: 1001, ack: 25001)
        let report = try c.report()
        #expect(
            !report.findings.contains { $0.kind == .stalledSegment && $0.severity == .critical },
            "\(report.findings.map(\.summary))")
        let stall = try #require(report.findings.first { $0.kind == .stalledSegment })
        #expect(stall.proof?.evidence == .cannotTell)
        #expect(stall.summary.contains("segmentation offload"))
        #expect(report.verdict != .blackhole)
    }
}

/// Tunnel packets above the underlay MTU are oversize only when they are wire packets: a VTEP capture of an
/// offloading sender records super-packets whose inner segments exceed the connection's MSS.
@Suite("capture analyze: oversize tunnel packets and offload")
struct OffloadTunnelTests {
    static func tunnelled(_ c: inout Conversation, payload: Int) {
        let innerTCP = Conversation.tcpHeader(
            from: 443, to: 40_000, seq: 5001, ack: 1001, flags: 0x18, mss: nil, sack: nil)
        let inner = Conversation.ipv4(
            innerTCP + [UInt8](repeating: 0, count: payload), protocolNumber: 6, source: c.server, destination: c.client
        )
        let vxlan = [0x08, 0, 0, 0, 0, 0, 1, 0] + [UInt8](repeating: 2, count: 12) + [0x08, 0x00] + inner
        let udp: [UInt8] =
            [0x9c, 0x40, 0x12, 0xb5, UInt8((8 + vxlan.count) >> 8), UInt8((8 + vxlan.count) & 0xff), 0, 0] + vxlan
        c.raw(Conversation.ipv4(udp, protocolNumber: 17, source: [192, 168, 0, 3], destination: [192, 168, 0, 1]))
    }

    @Test func superPacketsAreNotOversize() throws {
        var c = Conversation()
        c.handshake(clientMSS: 1410, serverMSS: 1410)
        Self.tunnelled(&c, payload: 28_200)
        let report = try c.report(mtu: 1500)
        #expect(!report.findings.contains { $0.kind == .overlayOversize }, "\(report.findings.map(\.summary))")
        #expect(report.findings.contains { $0.kind == .offload && $0.summary.contains("super-packets") })
    }

    @Test func fullSizeWirePacketsStillAre() throws {
        var c = Conversation()
        c.handshake(clientMSS: 1460, serverMSS: 1460)
        Self.tunnelled(&c, payload: 1460)
        let report = try c.report(mtu: 1500)
        #expect(report.findings.contains { $0.kind == .overlayOversize }, "\(report.findings.map(\.summary))")
    }
}
