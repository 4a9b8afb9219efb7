import MTUCore
import MTUTestSupport
import Testing

@testable import MTUProbe

/// A path simulated in memory: packets up to `wall` pass; larger ones get a PTB or vanish; some are lost at random.
struct FakePath: WaveProber {
    var wall: Int
    var ptb: (mtu: Int, source: String)?
    var localLimit: Int?
    var lossPercent: UInt64 = 0
    var generator = SplitMix64(seed: 42)
    var hops = ["10.0.0.1", "10.0.1.1", "10.0.2.1"]
    /// TTL of the hop whose egress is the wall (large packets expire before it, die after it).
    var wallHop = 2
    var probesSent = 0
    var waves = 0

    mutating func send(_ wave: [ProbeRequest]) throws -> [ProbeOutcome] {
        waves += 1
        return wave.map { request in
            probesSent += 1
            if let localLimit, request.size > localLimit { return .localLimit(mtu: localLimit) }
            if lossPercent > 0, generator.next() % 100 < lossPercent { return .silent }
            if let ttl = request.ttl, ttl <= hops.count {
                if request.size <= wall || ttl <= wallHop { return .timeExceeded(from: hops[ttl - 1]) }
            }
            if request.size <= wall { return .passed }
            if let ptb { return .ptb(mtu: ptb.mtu, source: ptb.source) }
            return .silent
        }
    }
}

@Suite("Path MTU search against simulated paths")
struct SearchTests {
    @Test(
        "finds every wall exactly", arguments: [576, 1279, 1280, 1387, 1450, 1499, 1500, 1501, 4321, 8450, 8500, 8999])
    func exactWall(wall: Int) throws {
        var path = FakePath(wall: wall)
        let result = try PathMTUSearch(maximum: 9000).run(&path)
        #expect(result.pathMTU == wall)
        #expect(result.firstFailing == wall + 1)
        #expect(result.verdict == .blackhole)
        #expect(result.confirmed)
        #expect(path.waves <= 5, "waves (warm-up included): \(path.waves)")
    }

    @Test func manyRandomWallsStayExact() throws {
        var generator = SplitMix64(seed: 7)
        for _ in 0..<200 {
            let wall = 68 + Int(generator.next() % 8933)
            var path = FakePath(wall: wall)
            let result = try PathMTUSearch(maximum: 9000).run(&path)
            #expect(result.pathMTU == wall)
        }
    }

    @Test func noWall() throws {
        var path = FakePath(wall: 9000)
        let result = try PathMTUSearch(maximum: 9000).run(&path)
        #expect(result.pathMTU == 9000)
        #expect(result.verdict == .ok)
        #expect(path.waves == 2, "a warm-up and one ladder")
    }

    @Test func ptbIsReportedWithItsSource() throws {
        var path = FakePath(wall: 1400, ptb: (1400, "10.0.1.1"))
        let result = try PathMTUSearch(maximum: 9000).run(&path)
        #expect(result.pathMTU == 1400)
        #expect(result.verdict == .ptb)
        #expect(result.ptbMTU == 1400)
        #expect(result.ptbSource == "10.0.1.1")
    }

    @Test func aLyingPTBDoesNotMoveTheAnswer() throws {
        // The router claims 68; the real wall is 1400. Sizes decide, not claims.
        var path = FakePath(wall: 1400, ptb: (68, "10.0.1.1"))
        let result = try PathMTUSearch(maximum: 9000).run(&path)
        #expect(result.pathMTU == 1400)
        #expect(result.ptbMTU == 68)
    }

    @Test func localLimit() throws {
        var path = FakePath(wall: 9000, localLimit: 1500)
        let result = try PathMTUSearch(maximum: 9000).run(&path)
        #expect(result.pathMTU == 1500)
        #expect(result.verdict == .localLimit)
        #expect(result.localMTU == 1500)
    }

    @Test("stays exact under 5% random loss", arguments: [1, 2, 3, 4, 5, 6, 7, 8])
    func randomLoss(seed: UInt64) throws {
        var path = FakePath(wall: 1387, lossPercent: 5, generator: SplitMix64(seed: seed))
        let result = try PathMTUSearch(maximum: 9000).run(&path)
        #expect(result.pathMTU == 1387)
        #expect(result.verdict == .blackhole)
    }

    /// "Never a wrong MTU": under heavy loss the search may give up, but a confirmed answer is always right.
    @Test("heavy loss is inconclusive, never wrong", arguments: [20, 35, 50, 70] as [UInt64])
    func heavyLoss(percent: UInt64) throws {
        for seed in 1...25 as ClosedRange<UInt64> {
            var path = FakePath(wall: 1387, lossPercent: percent, generator: SplitMix64(seed: seed))
            let result = try PathMTUSearch(maximum: 9000).run(&path)
            #expect(
                result.pathMTU == 1387 || (!result.confirmed && result.verdict == .inconclusive),
                "loss \(percent)% seed \(seed): \(result.pathMTU ?? -1) \(result.verdict)")
        }
    }

    @Test func unreachable() throws {
        var path = FakePath(wall: 0)
        let result = try PathMTUSearch(maximum: 9000).run(&path)
        #expect(result.pathMTU == nil)
        #expect(result.verdict == .unreachable)
    }

    @Test func wallLocation() throws {
        var path = FakePath(wall: 1400, wallHop: 2)
        let wall = try WallLocation.locate(&path, target: "10.0.9.9", small: 84, large: 1401)
        #expect(wall.lastGoodHop == "10.0.1.1")
        #expect(wall.firstBadHop == "10.0.2.1")
        #expect(wall.ttl == 3)
    }
}

@Suite("ICMP and responder wire formats")
struct WireTests {
    @Test func echoRequestSizeAndChecksum() {
        let packet = ICMPv4.echoRequest(identifier: 0x1234, sequence: 7, packetSize: 1500)
        #expect(packet.count == 1480)
        #expect(ICMPv4.checksum(packet) == 0, "a packet with its checksum sums to zero")
        #expect(packet[0] == 8 && packet[4] == 0x12 && packet[5] == 0x34 && packet[7] == 7)
    }

    /// An IPv4 header from `source` carrying `icmp`.
    func ipv4(source: [UInt8], icmp: [UInt8]) -> [UInt8] {
        let total = 20 + icmp.count
        return [0x45, 0, UInt8(total >> 8), UInt8(total & 0xff), 0, 0, 0x40, 0, 64, 1, 0, 0] + source + [10, 0, 0, 2]
            + icmp
    }

    @Test func parsesEchoReply() throws {
        let reply = ipv4(
            source: [10, 0, 0, 9], icmp: [0, 0, 0, 0, 0x12, 0x34, 0, 7] + [UInt8](repeating: 0, count: 8))
        let parsed = try #require(ICMPv4.parse(reply[...]))
        #expect(parsed.source == 0x0a00_0009)
        #expect(parsed.message == .echoReply(identifier: 0x1234, sequence: 7))
    }

    @Test func parsesFragmentationNeededQuotingOurEcho() throws {
        let quoted = ipv4(source: [10, 0, 0, 2], icmp: [8, 0, 0, 0, 0x12, 0x34, 0, 9])
        let error = ipv4(source: [172, 31, 255, 2], icmp: [3, 4, 0, 0, 0, 0, 0x05, 0xdc] + quoted)
        let parsed = try #require(ICMPv4.parse(error[...]))
        #expect(IPAddress.v4(parsed.source).description == "172.31.255.2")
        #expect(parsed.message == .fragmentationNeeded(mtu: 1500, identifier: 0x1234, sequence: 9))
        let expired = ipv4(source: [10, 0, 1, 1], icmp: [11, 0, 0, 0, 0, 0, 0, 0] + quoted)
        #expect(ICMPv4.parse(expired[...])?.message == .timeExceeded(identifier: 0x1234, sequence: 9))
    }

    @Test func rejectsTruncatedAndForeignPackets() {
        #expect(ICMPv4.parse([0x45, 0, 0][...]) == nil)
        let quotedUDP = ipv4(source: [10, 0, 0, 2], icmp: [8, 0, 0, 0, 0x12, 0x34, 0, 9]).enumerated().map {
            $0.offset == 9 ? 17 : $0.element
        }
        let error = ipv4(source: [10, 0, 1, 1], icmp: [3, 4, 0, 0, 0, 0, 0x05, 0xdc] + quotedUDP)
        #expect(ICMPv4.parse(error[...]) == nil, "an error about someone's UDP is not ours")
        // Every truncation of a valid error is either parsed or rejected, never a crash.
        let full = ipv4(
            source: [10, 0, 1, 1],
            icmp: [3, 4, 0, 0, 0, 0, 0x05, 0xdc] + ipv4(source: [10, 0, 0, 2], icmp: [8, 0, 0, 0, 0x12, 0x34, 0, 9]))
        for length in 0..<full.count { _ = ICMPv4.parse(full[0..<length]) }
    }

    @Test func responderWireRoundTrip() throws {
        let request = ReverseWire.request(size: 1400, nonce: 0xdead_beef, token: Array("tok".utf8), padTo: 100)
        #expect(request.count == 100)
        let parsed = try #require(ReverseWire.parseRequest(request[...]))
        #expect(parsed == ReverseWire.Request(size: 1400, nonce: 0xdead_beef, token: Array("tok".utf8), status: false))
        let reply = ReverseWire.reply(size: 1400, nonce: 0xdead_beef)
        #expect(reply.count == 1372, "a 1400-byte IP packet: 20 IP + 8 UDP + 1372")
        #expect(ReverseWire.parseReply(reply[...])?.nonce == 0xdead_beef)
        let status = ReverseWire.reply(size: 64, nonce: 1, routeMTU: 1387)
        #expect(ReverseWire.parseReply(status[...])?.routeMTU == 1387)
        #expect(ReverseWire.parseRequest(Array("MTUQ".utf8)[...]) == nil)
    }
}

@Suite("IP_RECVERR control messages, parsed by hand")
struct ErrorQueueTests {
    /// A cmsghdr (size_t length, int level, int type) + sock_extended_err + offender sockaddr_in, as the kernel lays it out.
    func control(origin: UInt8, type: UInt8, code: UInt8, info: UInt32, offender: [UInt8]) -> [UInt8] {
        let word = MemoryLayout<Int>.size
        var bytes: [UInt8] = []
        let length = word + 8 + 16 + 16
        bytes += withUnsafeBytes(of: length) { Array($0) }
        bytes += withUnsafeBytes(of: Int32(0)) { Array($0) }  // IPPROTO_IP
        bytes += withUnsafeBytes(of: Int32(11)) { Array($0) }  // IP_RECVERR
        bytes += withUnsafeBytes(of: UInt32(90)) { Array($0) }  // EMSGSIZE
        bytes += [origin, type, code, 0]
        bytes += withUnsafeBytes(of: info) { Array($0) }
        bytes += withUnsafeBytes(of: UInt32(0)) { Array($0) }
        bytes += [2, 0, 0, 0] + offender + [UInt8](repeating: 0, count: 8)  // sockaddr_in: AF_INET, port, address
        return bytes
    }

    @Test func fragmentationNeeded() throws {
        let bytes = control(origin: 2, type: 3, code: 4, info: 1400, offender: [172, 31, 255, 2])
        let parsed = try #require(bytes.withUnsafeBytes { ErrorQueue.parseControl($0, length: bytes.count) })
        #expect(parsed.origin == 2 && parsed.type == 3 && parsed.code == 4)
        #expect(parsed.info == 1400)
        #expect(parsed.offender?.description == "172.31.255.2")
    }

    @Test func truncatedControlIsIgnored() {
        let bytes = control(origin: 2, type: 3, code: 4, info: 1400, offender: [10, 0, 0, 1])
        for length in 0..<(MemoryLayout<Int>.size + 8 + 16) {
            #expect(bytes.withUnsafeBytes { ErrorQueue.parseControl($0, length: length) } == nil)
        }
    }
}
