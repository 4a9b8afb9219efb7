import Foundation
import MTUCore
import MTUTestSupport
import Testing

@testable import MTUProbe

/// The datagram probers and the responder over `SimulatedPath` (the `DatagramSocket` seam): walls drawn at random
/// per run, forward and reverse independently, named by a PTB or silent, IPv4 or IPv6 — and every answer checked to
/// the byte. No root, no sockets. The seed is printed; `MTUD_SIM_SEED` replays a run.
@Suite("probers and responder over a simulated path (no root)")
struct SimulatedPathTests {
    static let seed: UInt64 =
        ProcessInfo.processInfo.environment["MTUD_SIM_SEED"].flatMap { UInt64($0) }
        ?? UInt64.random(in: 1...UInt64(UInt32.max))

    struct Case: CustomStringConvertible {
        var forward: SimulatedPath.Wall
        var reverse: SimulatedPath.Wall
        var ipv6: Bool
        var description: String {
            "seed \(SimulatedPathTests.seed): \(ipv6 ? "IPv6" : "IPv4") forward \(forward.mtu)\(forward.sendsPTB ? " (PTB)" : " (silent)"), reverse \(reverse.mtu)\(reverse.sendsPTB ? " (PTB)" : " (silent)")"
        }
    }

    /// Walls between the family's minimum and 9000 (9000 itself: no wall), drawn independently.
    static func cases(_ count: Int, salt: UInt64) -> [Case] {
        print("SimulatedPathTests seed \(seed) (MTUD_SIM_SEED=\(seed) replays it)")
        var random = SplitMix64(seed: seed ^ salt)
        return (0..<count).map { index in
            let ipv6 = index % 3 == 2
            let low = ipv6 ? 1280 : 576
            func wall() -> SimulatedPath.Wall {
                let mtu = Int.random(in: 0..<5, using: &random) == 0 ? 9000 : Int.random(in: low...8999, using: &random)
                return .init(mtu: mtu, sendsPTB: Bool.random(using: &random))
            }
            return Case(forward: wall(), reverse: wall(), ipv6: ipv6)
        }
    }

    static func responder(token: String) -> Responder.Configuration {
        var configuration = Responder.Configuration()
        configuration.token = Array(token.utf8)
        configuration.ratePerSecond = 100_000
        return configuration
    }

    /// With the token, replies are asked for with small requests: the reverse wall is found to the byte whatever the
    /// forward path does, and the same question asked twice gives the same answer.
    @Test func reverseWallToTheByteWithTheToken() throws {
        for item in Self.cases(6, salt: 1) {
            let path = try SimulatedPath(
                forward: item.forward, reverse: item.reverse, ipv6: item.ipv6,
                farEnd: .responder(Self.responder(token: "t")))
            var answers: [ProbeReport.Reverse] = []
            for _ in 0..<2 {
                var prober = ReverseProber(
                    target: path.target, port: 4790, token: Array("t".utf8), socket: path.near, timeoutMilliseconds: 60)
                var reverse = ProbeReport.Reverse(method: .notMeasured, explanation: "")
                try Probe.measureReverse(&reverse, with: &prober, maximum: 9000)
                answers.append(reverse)
            }
            let reverse = answers[0]
            #expect(reverse.pathMTU == item.reverse.mtu, "\(item)")
            #expect(reverse.verdict == (item.reverse.mtu >= 9000 ? .ok : .blackhole), "\(item): \(reverse.explanation)")
            #expect(
                answers[1].pathMTU == reverse.pathMTU && answers[1].verdict == reverse.verdict, "\(item): asked twice")
        }
    }

    /// Without the token each reply is paid for by an as large request: below a lower forward wall the reverse
    /// search cannot see, and says so (partial, measured up to the forward wall) instead of naming the forward wall
    /// as the reverse one; above it, the reverse wall is found. The responder never answers larger than asked.
    @Test func withoutTheTokenALowerForwardWallIsNotCalledAReverseWall() throws {
        for item in Self.cases(6, salt: 2) {
            let path = try SimulatedPath(
                forward: item.forward, reverse: item.reverse, ipv6: item.ipv6,
                farEnd: .responder(Self.responder(token: "")))
            var prober = ReverseProber(
                target: path.target, port: 4790, token: [], socket: path.near, timeoutMilliseconds: 60)
            var reverse = ProbeReport.Reverse(method: .notMeasured, explanation: "")
            try Probe.measureReverse(&reverse, with: &prober, maximum: 9000)
            let seen = min(item.forward.mtu, item.reverse.mtu)
            #expect(reverse.pathMTU == seen, "\(item)")
            if seen >= 9000 {
                #expect(reverse.verdict == .ok, "\(item)")
            } else if item.forward.mtu <= item.reverse.mtu {
                #expect(reverse.verdict == .partial && reverse.measuredUpTo == seen, "\(item): \(reverse.explanation)")
                #expect(reverse.explanation.contains("not measurable above \(seen)"))
            } else {
                #expect(reverse.verdict == .blackhole, "\(item): \(reverse.explanation)")
            }
            #expect(!path.replies.isEmpty)
            for (request, reply) in path.replies {
                #expect(reply <= max(request, 64), "\(item): a \(request)-byte request got a \(reply)-byte reply")
            }
        }
    }

    /// One-way forward probes through the responder (padded requests for a small status reply): the forward wall
    /// to the byte, whatever the reverse path does.
    @Test func forwardWallThroughTheResponder() throws {
        for item in Self.cases(6, salt: 3) {
            let path = try SimulatedPath(
                forward: item.forward, reverse: item.reverse, ipv6: item.ipv6,
                farEnd: .responder(Self.responder(token: "t")))
            var prober = ReverseProber(
                target: path.target, port: 4790, token: Array("t".utf8), socket: path.near, timeoutMilliseconds: 60,
                forward: true)
            let result = try PathMTUSearch(minimum: item.ipv6 ? 1280 : 68, maximum: 9000).run(&prober)
            #expect(result.pathMTU == item.forward.mtu, "\(item)")
            #expect(result.verdict == (item.forward.mtu >= 9000 ? .ok : .blackhole), "\(item)")
        }
    }

    /// tracepath's method (`UDPProber`): UDP to closed ports, answers from the error queue. A wall that sends a PTB
    /// is `ptb` with its MTU and sender; a silent one `blackhole`; a local interface MTU below both `local-limit`.
    @Test func udpProbesReadTheErrorQueue() throws {
        for item in Self.cases(6, salt: 4) {
            let path = try SimulatedPath(
                forward: item.forward, reverse: item.reverse, ipv6: item.ipv6, farEnd: .closedPorts)
            var prober = UDPProber(
                target: path.target, socket: path.near, timeoutMilliseconds: 40,
                pacing: .init(burst: 1000, interval: .milliseconds(1)))
            let result = try PathMTUSearch(minimum: item.ipv6 ? 1280 : 68, maximum: 9000).run(&prober)
            #expect(result.pathMTU == item.forward.mtu, "\(item)")
            if item.forward.mtu >= 9000 {
                #expect(result.verdict == .ok, "\(item)")
            } else if item.forward.sendsPTB {
                #expect(result.verdict == .ptb && result.ptbMTU == item.forward.mtu, "\(item)")
                #expect(result.ptbSource == path.router.description, "\(item)")
            } else {
                #expect(result.verdict == .blackhole && result.firstFailing == item.forward.mtu + 1, "\(item)")
            }
        }
        let path = try SimulatedPath(
            forward: .init(mtu: 9000, sendsPTB: false), reverse: .init(mtu: 9000, sendsPTB: false), localMTU: 1500,
            farEnd: .closedPorts)
        path.near.routeMTUValue = 1500
        var prober = UDPProber(
            target: path.target, socket: path.near, timeoutMilliseconds: 40,
            pacing: .init(burst: 1000, interval: .milliseconds(1)))
        let result = try PathMTUSearch(maximum: 9000).run(&prober)
        #expect(result.verdict == .localLimit && result.pathMTU == 1500 && result.localMTU == 1500, "\(result)")
    }

    /// The responder's rules, one datagram at a time: outside the allowed networks nothing; without the token a
    /// reply no larger than its request; the status reply carries the route MTU toward the asker.
    @Test func responderRules() throws {
        var configuration = Self.responder(token: "")
        configuration.allowed = [IPNetwork("10.0.0.0/24")!]
        let path = try SimulatedPath(
            forward: .init(mtu: 9000, sendsPTB: false), reverse: .init(mtu: 9000, sendsPTB: false),
            farEnd: .responder(configuration))
        path.far.routeMTUValue = 1450
        let responder = try #require(path.responder)
        let now = ContinuousClock.now
        responder.handle(
            ReverseWire.request(size: 4000, nonce: 1, token: []), from: ProbeAddress("10.0.1.5")!, port: 1, now: now)
        #expect(path.replies.isEmpty && responder.refused == 1, "outside the allowed networks")
        responder.handle(
            ReverseWire.request(size: 4000, nonce: 2, token: [], padTo: 972), from: path.us, port: 1, now: now)
        #expect(path.replies.last?.reply == 1000, "a 1000-byte request buys at most 1000 bytes")
        responder.handle(
            ReverseWire.request(size: 64, nonce: 3, token: [], status: true, padTo: 36), from: path.us, port: 1,
            now: now)
        let status = try #require(path.near.inbox.last)
        #expect(ReverseWire.parseReply(status.bytes[...])?.routeMTU == 1450)
    }
}
