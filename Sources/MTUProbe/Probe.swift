#if os(Linux)
import Foundation
import Glibc
import MTUCore
import MTUSystem

/// How to probe.
public struct ProbeOptions: Sendable {
    public var timeoutMilliseconds = 1000
    public var maximum: Int?
    public var locateWall = true
    /// A `serve` responder's UDP port on the target, for the reverse direction.
    public var reversePort: UInt16?
    public var token: [UInt8] = []
    /// A `serve --tcp-port` endpoint on the target, for the reverse direction by chosen MSS.
    public var reverseTCPPort: UInt16?
    /// Measure the reverse direction with the HTTPS server's own TLS first flight (no agent needed).
    public var reverseTLS = false
    /// Probe the forward direction over TCP to this port instead of ICMP echo (for paths that filter ICMP).
    public var forwardTCPPort: UInt16?
    /// Probe the forward direction with UDP datagrams to closed ports (tracepath style) instead of ICMP echo.
    public var forwardUDP = false
    /// Run the HTTPS application signature against this port first.
    public var tlsPort: UInt16?
    /// raw (CAP_NET_RAW), datagram (ping_group_range), or auto: raw, else datagram.
    public var socket: SocketKind = .auto
    /// Leave a path MTU this host learned toward the target in place (default: set it aside when a TCP method runs,
    /// which needs CAP_NET_ADMIN and forgets every learned PMTU of this network namespace).
    public var keepLearnedPMTU = false
    /// When echo probes meet silence, tell lost requests from lost replies with one-way UDP probes.
    public var confirmOneWay = true

    public enum SocketKind: String, Sendable, CaseIterable { case auto, raw, datagram }
    public var progress: (@Sendable (String) -> Void)?

    public init() {}
}

/// Runs the forward search, the wall location and (with a responder) the reverse search.
/// The forward prober in use: a raw ICMP socket or an unprivileged ICMP datagram socket.
enum ForwardProber: WaveProber {
    case raw(ICMPProber)
    case datagram(ICMPDatagramProber)

    static func open(_ kind: ProbeOptions.SocketKind, target: ProbeAddress, timeoutMilliseconds: Int) throws(ProbeError)
        -> ForwardProber
    {
        switch kind {
        case .raw: return .raw(try ICMPProber(target: target, timeoutMilliseconds: timeoutMilliseconds))
        case .datagram:
            return .datagram(try ICMPDatagramProber(target: target, timeoutMilliseconds: timeoutMilliseconds))
        case .auto:
            // An unprivileged ICMP datagram socket where ping_group_range allows it, else a raw socket.
            do throws(ProbeError) {
                return .datagram(try ICMPDatagramProber(target: target, timeoutMilliseconds: timeoutMilliseconds))
            } catch  where error.code == .noPrivilege {
                do {
                    return .raw(try ICMPProber(target: target, timeoutMilliseconds: timeoutMilliseconds))
                } catch {
                    throw ProbeError(
                        .noPrivilege,
                        "no way to send ICMP here: a raw socket needs root or CAP_NET_RAW (`sudo setcap cap_net_raw+ep $(command -v mtu-doctor)`), and ICMP datagram sockets need `sudo sysctl -w net.ipv4.ping_group_range=\"0 2147483647\"`"
                    )
                }
            }
        }
    }

    var routeMTU: Int? {
        switch self {
        case .raw(let prober): return prober.routeMTU
        case .datagram(let prober): return prober.routeMTU
        }
    }

    var probesSent: Int {
        switch self {
        case .raw(let prober): return prober.probesSent
        case .datagram(let prober): return prober.probesSent
        }
    }

    var kind: ForwardMethod {
        switch self {
        case .raw: return .raw
        case .datagram: return .datagram
        }
    }

    func close() {
        switch self {
        case .raw(let prober): prober.close()
        case .datagram(let prober): prober.close()
        }
    }

    mutating func send(_ wave: [ProbeRequest]) throws -> [ProbeOutcome] {
        switch self {
        case .raw(var prober):
            let outcomes = try prober.send(wave)
            self = .raw(prober)
            return outcomes
        case .datagram(var prober):
            let outcomes = try prober.send(wave)
            self = .datagram(prober)
            return outcomes
        }
    }
}

public enum Probe {
    /// Resolves a host name, IPv4/IPv6 address or URL; names resolve to IPv4 first.
    public static func resolve(_ target: String) throws(ProbeError) -> (name: String, address: ProbeAddress) {
        var host = target
        if let url = URL(string: target), let urlHost = url.host, target.contains("://") { host = urlHost }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if let literal = ProbeAddress(host) { return (host, try unicast(literal, name: host)) }
        let addresses: [ProbeAddress]
        do throws(Syscall.NameFailure) {
            addresses = try Syscall.resolve(host)
        } catch {
            throw ProbeError(.unresolvable, "cannot resolve '\(host)': \(error)")
        }
        // IPv4 first, as ping does for a name with both; a name with only IPv6 addresses is probed over IPv6.
        guard let address = addresses.first(where: { !$0.isIPv6 }) ?? addresses.first else {
            throw ProbeError(.unresolvable, "cannot resolve '\(host)': no address")
        }
        return (host, try unicast(address, name: host))
    }

    /// A path MTU belongs to one path: multicast, broadcast and unspecified targets are refused before anything is
    /// sent (their answers, if any, come from many hosts; a broadcast would reach every host of a segment).
    public static func unicast(_ address: ProbeAddress, name: String) throws(ProbeError) -> ProbeAddress {
        let reason: String?
        switch address.version {
        case .ipv4:
            let value = address.ipv4Value
            reason =
                value >> 28 == 0xE
                ? "a multicast address (224.0.0.0/4)"
                : value == 0xFFFF_FFFF
                    ? "the broadcast address"
                    : value == 0
                        ? "the unspecified address"
                        : value >> 28 == 0xF ? "a reserved address (240.0.0.0/4)" : nil
        case .ipv6:
            let bytes = address.bytes
            reason =
                bytes.first == 0xFF
                ? "a multicast address (ff00::/8)" : bytes.allSatisfy({ $0 == 0 }) ? "the unspecified address" : nil
        }
        if let reason {
            throw ProbeError(
                .unsupported, "\(name) is \(reason): a path MTU is measured to one host; give a unicast address")
        }
        return address
    }

    /// One measurement, in the order that keeps each step from teaching the host something the next would see:
    /// what the host already learned, the application signature, the reverse direction, then the forward search.
    public static func run(target: String, options: ProbeOptions) throws(ProbeError) -> ProbeReport {
        let clock = ContinuousClock()
        let start = clock.now
        let plan = try ProbePlan(target: target, options: options)

        // 2. The application signature, on a path as cold as this host can make it.
        var tls: TLSSignature?
        if let tlsPort = plan.tlsPort {
            options.progress?("application: TCP connect, plain HTTP and TLS handshake on port \(tlsPort)")
            tls = AppSignature.tls(
                address: plan.address, port: tlsPort, serverName: plan.serverName,
                timeoutMilliseconds: max(options.timeoutMilliseconds * 3, 3000))
        }

        // 3. The reverse direction, before the forward search can teach this host anything.
        var (reverse, reverseProbes) = try measureReverse(
            address: plan.address,
            tlsPort: (tls == nil || tls?.handshake == .ok || tls?.handshake == .stalled) ? plan.tlsPort : nil,
            serverName: plan.serverName, maximum: plan.maximum, tcpMaximum: plan.tcpMaximum, learned: plan.learned,
            options: options)

        // 4. The forward direction.
        var prober = try ForwardProber.open(
            options.socket, target: plan.address, timeoutMilliseconds: options.timeoutMilliseconds)
        defer { prober.close() }
        let dropsBefore = HostFacts.reversePathFilterDrops()
        let found = try searchForward(plan, prober: &prober, options: options)
        let rpDrops = max(0, (HostFacts.reversePathFilterDrops() ?? 0) - (dropsBefore ?? 0))
        let forward = forwardReport(plan, found: found, prober: &prober, rpDrops: rpDrops, options: options)

        // Echo replies lost while the requests arrived: the way back drops them. Echo replies travel without DF, so
        // a router would have fragmented them; only a drop without ICMP at layer 2, or a filter, loses them.
        if reverse.method == .notMeasured, let lost = found.repliesLostAbove {
            reverse.method = .echoReplies
            reverse.verdict = .blackhole
            reverse.pathMTU = lost
            reverse.explanation =
                "echo replies over \(lost) bytes never arrive although the requests do (a one-way UDP check shows the forward direction carries \(found.search.pathMTU ?? lost)): the way back drops them without ICMP — they travel without DF, so a router would have fragmented them: a layer-2 MTU mismatch or a filter on the way back"
        }
        let elapsed = clock.now - start
        var report = ProbeReport(
            target: plan.name, address: plan.addressText, forward: forward, reverse: reverse, tls: tls,
            probesSent: prober.probesSent + found.probesSent + reverseProbes,
            elapsedMs: Int(elapsed.inMilliseconds))
        report.learned = plan.learned
        return report
    }

    /// What a measurement settles before it sends anything: the target, that it is routed as unicast, the largest
    /// size worth trying, and what this host already learned toward it.
    struct ProbePlan {
        let name: String
        let address: ProbeAddress
        let addressText: String
        let tlsPort: UInt16?
        let serverName: String
        /// The largest size searched: the egress interface's MTU unless given.
        let maximum: Int
        let learned: ProbeReport.Learned?
        /// The largest packet a TCP method can make the two ends exchange.
        let tcpMaximum: Int

        var isIPv6: Bool { address.isIPv6 }

        init(target: String, options: ProbeOptions) throws(ProbeError) {
            (name, address) = try resolve(target)
            addressText = address.description
            if let kind = HostFacts.nonUnicastRoute(to: addressText) {
                throw ProbeError(
                    kind == "broadcast" || kind == "multicast" ? .unsupported : .noRoute,
                    "\(addressText) is routed as \(kind) here: a path MTU is measured to one host; give a unicast address"
                )
            }
            guard HostFacts.routeInterface(to: addressText) != nil || Syscall.routeMTU(to: address) != nil else {
                throw ProbeError(.noRoute, "no route to \(addressText)")
            }
            var tlsPort = options.tlsPort
            if tlsPort == nil, let url = URL(string: target), url.scheme == "https" {
                tlsPort = UInt16(url.port ?? 443)
            }
            self.tlsPort = tlsPort
            serverName = URL(string: target)?.host ?? name
            // Search up to the interface's own MTU: the route MTU may hold a path MTU learned earlier, which
            // IP_PMTUDISC_PROBE lets the ICMP and UDP probes look past. TCP cannot: see `learned` below.
            let egress = HostFacts.routeInterface(to: addressText)
            let interfaceMTU = egress.flatMap(HostFacts.interfaceMTU)
            let maximum = options.maximum ?? interfaceMTU ?? Syscall.routeMTU(to: address) ?? 9000
            self.maximum = maximum

            // 1. What this host already learned toward the target. While a learned PMTU lives, every new TCP
            // connection advertises an MSS no larger than it allows, so no TCP method (the application signature,
            // the reverse searches by MSS, forward TCP probes) can see past it. It is set aside when a TCP method
            // will run (and we may), so that the answer does not depend on what the host learned before; otherwise
            // the TCP methods say what they could not measure.
            let usesTCP = tlsPort != nil || options.reverseTCPPort != nil || options.forwardTCPPort != nil
            var learned = HostFacts.learnedPMTU(to: addressText).map {
                ProbeReport.Learned(mtu: $0.mtu, expiresSeconds: $0.expiresSeconds, setAside: false)
            }
            if var found = learned, usesTCP, !options.keepLearnedPMTU, found.mtu < maximum {
                options.progress?(
                    "host: it learned \(found.mtu) toward \(addressText); setting it aside (ip route flush cache)")
                found.setAside =
                    HostFacts.forgetLearnedPMTUs(ipv6: address.isIPv6) && HostFacts.learnedPMTU(to: addressText) == nil
                learned = found
            }
            self.learned = learned
            tcpMaximum = learned.flatMap { $0.setAside ? nil : min($0.mtu, maximum) } ?? maximum
        }
    }

    /// The forward search and what the one-way check made of it.
    struct ForwardSearch {
        var search: SearchResult
        /// Nil when no one-way check ran.
        var oneWay: OneWayCheck?
        var repliesLostAbove: Int?
        /// Probes sent by probers other than the forward prober.
        var probesSent = 0
    }

    /// The forward search with the method the options name: UDP, TCP segments, or echo (then, optionally, a
    /// one-way check of a silence).
    static func searchForward(_ plan: ProbePlan, prober: inout ForwardProber, options: ProbeOptions)
        throws(ProbeError) -> ForwardSearch
    {
        let forwardMaximum = options.forwardTCPPort != nil ? plan.tcpMaximum : plan.maximum
        options.progress?("forward: searching 68–\(forwardMaximum) bytes toward \(plan.addressText)")
        // IPv6 links carry at least 1280 bytes (RFC 8200): below that a silence is not a wall.
        let minimum = plan.isIPv6 ? 1280 : 68
        do {
            if options.forwardUDP {
                var udpProber = try UDPProber(target: plan.address, timeoutMilliseconds: options.timeoutMilliseconds)
                defer { udpProber.close() }
                var udpSearch = PathMTUSearch(minimum: minimum, maximum: plan.maximum)
                udpSearch.maxWaveSize = 2
                let search = try udpSearch.run(&udpProber)
                return ForwardSearch(search: search, probesSent: udpProber.probesSent)
            }
            if let tcpPort = options.forwardTCPPort {
                var tcpProber = TCPForwardProber(
                    target: plan.address, port: tcpPort, timeoutMilliseconds: options.timeoutMilliseconds)
                var search = try PathMTUSearch(minimum: max(minimum, 576), maximum: forwardMaximum).run(&tcpProber)
                // Sizes the server's MSS keeps us from sending say nothing; a silence right above the boundary does.
                if search.verdict == .localLimit, let first = search.firstFailing,
                    search.ladder.first(where: { $0.size == first })?.outcome == .silent
                {
                    search.verdict = search.confirmed ? .blackhole : .inconclusive
                    search.localMTU = nil
                }
                return ForwardSearch(search: search, probesSent: tcpProber.probesSent)
            }
            let search = try PathMTUSearch(minimum: minimum, maximum: plan.maximum).run(&prober)
            // An echo probe needs its reply, which is as large as the request and travels the reverse path: a
            // silence may be either direction's. A one-way check (UDP to a closed port: the answer is a small
            // ICMP) tells a lost request from a lost reply.
            guard options.confirmOneWay, let best = search.pathMTU, let first = search.firstFailing,
                search.ladder.first(where: { $0.size == first })?.outcome == .silent
            else { return ForwardSearch(search: search) }
            options.progress?("forward: echo replies or requests lost above \(best)? one-way check")
            let (check, probes) = try checkOneWay(plan, search: search, best: best, first: first, options: options)
            var found = ForwardSearch(search: search, probesSent: probes)
            if let passes = check.pathMTU, passes > best {
                // The requests get through: the echo silence was the replies'.
                found.repliesLostAbove = best
                found.oneWay = .repliesLost
                var merged = check
                merged.ladder = search.ladder.filter { $0.size <= best } + check.ladder.filter { $0.size > best }
                found.search = merged
            } else {
                found.oneWay = check.pathMTU == best ? .confirmed : .notAvailable
            }
            return found
        } catch {
            throw ProbeError.wrapping(error)
        }
    }

    /// Whether the requests above an echo silence arrive, by the cheapest one-way method available: a PTB a router
    /// already sent, the responder, a TCP port known to answer, or UDP to a closed port.
    static func checkOneWay(_ plan: ProbePlan, search: SearchResult, best: Int, first: Int, options: ProbeOptions)
        throws -> (SearchResult, probes: Int)
    {
        var udpProber = try UDPProber(target: plan.address, timeoutMilliseconds: options.timeoutMilliseconds)
        defer { udpProber.close() }
        var probes = 0
        // Targets answer about one UDP probe per second: when a router above the silence already named its MTU M (a
        // PTB is one-way proof), one wave checks M and M + 1 instead of a search.
        let named = search.ladder.lazy.filter { $0.size > first }.compactMap { step -> Int? in
            if case .ptb(let mtu, _) = step.outcome { mtu } else { nil }
        }.first.flatMap { $0 > best && $0 < plan.maximum ? $0 : nil }
        var check: SearchResult
        if let named,
            case let outcomes = try udpProber.send([ProbeRequest(size: named), ProbeRequest(size: named + 1)]),
            outcomes[0].answered, case .ptb(let mtu, let source) = outcomes[1], mtu == named
        {
            check = SearchResult(
                pathMTU: named, firstFailing: named + 1, verdict: .ptb, ptbMTU: mtu, ptbSource: source,
                localMTU: nil, failuresAtWall: 1, confirmed: true, waves: 1,
                ladder: [
                    .init(size: named, outcome: .passed, attempts: 1),
                    .init(size: named + 1, outcome: outcomes[1], attempts: 1),
                ])
        } else if let port = options.reversePort {
            // The responder answers a request of any size with a small status reply: one way, no rate limit beyond
            // its own.
            var responder = try ReverseProber(
                target: plan.address, port: port, token: options.token,
                timeoutMilliseconds: options.timeoutMilliseconds, forward: true)
            defer { responder.close() }
            check = try PathMTUSearch(minimum: best, maximum: plan.maximum).run(&responder)
            probes += responder.probesSent
        } else if let port = plan.tlsPort ?? options.reverseTCPPort,
            case var tcpProber = TCPForwardProber(
                target: plan.address, port: port, timeoutMilliseconds: options.timeoutMilliseconds),
            case let tcpCheck = try PathMTUSearch(minimum: max(best, 576), maximum: plan.tcpMaximum).run(&tcpProber),
            tcpCheck.pathMTU != nil, tcpCheck.verdict != .localLimit
        {
            // A TCP port we know answers: one full segment per size, its ACK is small and not rate limited (UDP's
            // port unreachables come at about one per second). Not when the server's MSS keeps our segments below
            // the sizes in question (then UDP below).
            check = tcpCheck
            probes += tcpProber.probesSent
        } else if case let probe = try udpProber.send([
            ProbeRequest(size: best), ProbeRequest(size: first), ProbeRequest(size: first), ProbeRequest(size: best),
        ]),
            probe[0].answered, probe[3].answered, !probe[1].answered, !probe[2].answered
        {
            // The boundary answers one way as it did by echo (and the target answers, so the silence is not its rate
            // limit): the requests are lost. One wave instead of a search.
            check = search
            check.pathMTU = best
        } else {
            var udpSearch = PathMTUSearch(minimum: best, maximum: plan.maximum)
            udpSearch.maxWaveSize = 2
            check = try udpSearch.run(&udpProber)
        }
        return (check, probes + udpProber.probesSent)
    }

    /// The forward half of the report: the verdict with what TCP could not measure, the PTB and its rp_filter
    /// risk, the wall's hop when asked, and the explanation.
    static func forwardReport(
        _ plan: ProbePlan, found: ForwardSearch, prober: inout ForwardProber, rpDrops: Int, options: ProbeOptions
    ) -> ProbeReport.Forward {
        let search = found.search
        var forward = ProbeReport.Forward(
            pathMTU: search.pathMTU, verdict: search.verdict, ptb: nil, wall: nil, localMTU: search.localMTU,
            rpFilterDrops: rpDrops, ladder: search.ladder, explanation: "", cachedPMTU: plan.learned?.mtu,
            socket: options.forwardUDP ? .udp : (options.forwardTCPPort != nil ? .tcp : prober.kind))
        forward.oneWay = found.oneWay
        forward.echoRepliesLostAbove = found.repliesLostAbove
        if options.forwardTCPPort != nil, plan.tcpMaximum < plan.maximum, search.verdict == .ok {
            forward.verdict = .partial
            forward.measuredUpTo = plan.tcpMaximum
        }
        if options.forwardTCPPort != nil, search.verdict == .localLimit, let limit = search.localMTU {
            // The server's advertised MSS (or a PMTU it learned toward us) caps our segments: not a wall.
            forward.verdict = .partial
            forward.measuredUpTo = limit
        }
        let arrival = HostFacts.routeInterface(to: plan.addressText)
        if search.verdict == .ptb, let source = search.ptbSource {
            // Only an address can be checked against rp_filter (TCP probes learn the MTU, not who sent it).
            let isAddress = ProbeAddress(source) != nil
            let back = isAddress ? HostFacts.routeInterface(to: source) : arrival
            forward.ptb = ProbeReport.PTBInfo(
                mtu: search.ptbMTU, source: source, rpfRisk: back != arrival,
                implausible: (search.ptbMTU ?? 0) < (plan.isIPv6 ? 1280 : 552),
                rpFilterMode: plan.isIPv6 ? nil : arrival.map(HostFacts.rpFilter))
        } else if search.verdict == .blackhole, rpDrops > 0 {
            forward.ptb = ProbeReport.PTBInfo(
                mtu: nil, source: nil, rpfRisk: true, implausible: false, rpFilterMode: arrival.map(HostFacts.rpFilter))
        }
        if options.locateWall, let best = search.pathMTU, let failing = search.firstFailing,
            search.verdict != .localLimit
        {
            options.progress?("forward: locating the wall (TTL-limited \(min(84, best))- and \(failing)-byte probes)")
            forward.wall = try? WallLocation.locate(
                &prober, target: plan.addressText, small: min(84, best), large: failing)
        }
        forward.explanation = explainForward(forward, search: search, arrival: arrival)
        if forward.verdict == .partial, let limit = forward.measuredUpTo {
            forward.explanation =
                "every size up to \(limit) passed; not measurable above \(limit) over TCP: "
                + (limit < plan.tcpMaximum
                    ? "the server's MSS (or a path MTU it learned toward us) keeps our segments at most \(limit) bytes"
                    : "this host has learned \(limit) toward the target")
        }
        if let learned = plan.learned {
            forward.explanation +=
                learned.setAside
                ? "; this host had learned \(learned.mtu) toward the target (route cache\(learned.expiresSeconds.map { ", \($0) s left" } ?? "")): set aside for the TCP measurements (ip route flush cache)"
                : "; this host had learned \(learned.mtu) toward the target (route cache\(learned.expiresSeconds.map { ", \($0) s left" } ?? "")): new TCP connections use it"
        }
        return forward
    }

    /// The reverse direction by whichever methods the options name: the responder's UDP replies (sizes chosen by the
    /// request, no TCP limits), its TCP data by advertised MSS, or an HTTPS server's own TLS first flight.
    static func measureReverse(
        address: ProbeAddress, tlsPort: UInt16?, serverName: String, maximum: Int, tcpMaximum: Int,
        learned: ProbeReport.Learned?, options: ProbeOptions
    ) throws(ProbeError) -> (ProbeReport.Reverse, Int) {
        var reverse = ProbeReport.Reverse(
            pathMTU: nil, method: .notMeasured, verdict: nil, responderRouteMTU: nil,
            explanation:
                "not measured: for an HTTPS target pass --reverse-tls; or run `mtu-doctor serve` there and pass --reverse-port (UDP) or --reverse-tcp-port"
        )
        var probes = 0
        /// What a TCP method could not reach because of the learned PMTU.
        let limitText =
            learned.map {
                "not measurable above \(tcpMaximum) because this host has learned \($0.mtu) toward the target (for \($0.expiresSeconds.map { "another \($0) s" } ?? "a while")): every new TCP connection advertises an MSS that fits it — run again after it expires, or as root without --keep-learned-pmtu"
            } ?? ""
        if let port = options.reverseTCPPort, options.reversePort == nil {
            probes += try reverseByMSS(
                &reverse, address: address, port: port, maximum: maximum, tcpMaximum: tcpMaximum, limitText: limitText,
                options: options)
        }
        if options.reverseTLS, reverse.method == .notMeasured, let port = tlsPort {
            probes += try reverseByTLSFlight(
                &reverse, address: address, port: port, serverName: serverName, maximum: maximum,
                tcpMaximum: tcpMaximum, limitText: limitText, options: options)
        }
        if let port = options.reversePort {
            probes += try reverseByResponder(&reverse, address: address, port: port, maximum: maximum, options: options)
        }
        return (reverse, probes)
    }

    /// The responder's TCP data, sized by the MSS we advertise; the number of probes.
    static func reverseByMSS(
        _ reverse: inout ProbeReport.Reverse, address: ProbeAddress, port: UInt16, maximum: Int, tcpMaximum: Int,
        limitText: String, options: ProbeOptions
    ) throws(ProbeError) -> Int {
        let addressText = address.description
        let isIPv6 = address.isIPv6
        options.progress?("reverse: TCP connections to \(addressText):\(port) advertising chosen MSS values")
        var tcpProber = TCPMSSProber(
            target: address, port: port, trigger: .serve(token: String(decoding: options.token, as: UTF8.self)),
            timeoutMilliseconds: options.timeoutMilliseconds)
        do {
            let result = try PathMTUSearch(minimum: isIPv6 ? 1280 : 576, maximum: tcpMaximum).run(&tcpProber)
            reverse.method = .tcpMSS
            reverse.pathMTU = result.pathMTU
            reverse.verdict = result.verdict
            switch result.verdict {
            case .ok where tcpMaximum < maximum:
                reverse.verdict = .partial
                reverse.measuredUpTo = tcpMaximum
                reverse.explanation = "segments of every size up to \(tcpMaximum) arrived; \(limitText)"
            case .ok: reverse.explanation = "segments of every size up to \(maximum) arrived"
            case .ptb:
                reverse.explanation =
                    "the server shrinks its segments to \(result.ptbMTU ?? 0)-byte packets: a PTB reaches it and PMTUD works in this direction"
            case .blackhole:
                reverse.explanation =
                    "segments in packets over \(result.pathMTU ?? 0) bytes never arrive and the server never shrinks them: a reverse black hole"
            default: reverse.explanation = "the TCP endpoint gave no clear answer (\(result.verdict))"
            }
        } catch {
            throw ProbeError.wrapping(error)
        }
        return tcpProber.probesSent
    }

    /// No agent: the server's TLS first flight is the data, our advertised MSS sets its segment size; the number of
    /// probes.
    static func reverseByTLSFlight(
        _ reverse: inout ProbeReport.Reverse, address: ProbeAddress, port: UInt16, serverName: String, maximum: Int,
        tcpMaximum: Int, limitText: String, options: ProbeOptions
    ) throws(ProbeError) -> Int {
        let isIPv6 = address.isIPv6
        var tlsProber = TCPMSSProber(
            target: address, port: port, trigger: .tlsFlight(serverName: serverName),
            timeoutMilliseconds: options.timeoutMilliseconds)
        let headers = isIPv6 ? 60 : 40
        do {
            // Calibration: one flight with the largest MSS we can advertise.
            let calibration = try tlsProber.send([ProbeRequest(size: tcpMaximum)])
            reverse.method = .tlsMSS
            switch calibration[0] {
            case .silent:
                tlsProber.completionPasses = true
                options.progress?(
                    "reverse: the TLS first flight stalls with MSS \(tcpMaximum - headers): searching by advertised MSS"
                )
                let result = try PathMTUSearch(minimum: isIPv6 ? 1280 : 576, maximum: tcpMaximum).run(&tlsProber)
                reverse.pathMTU = result.pathMTU
                reverse.verdict = result.verdict == .unreachable ? .inconclusive : result.verdict
                reverse.explanation =
                    result.pathMTU.map {
                        "the server's segments in packets over \($0) bytes never arrive and it never shrinks them: a reverse black hole"
                    } ?? "even 536-byte segments of the TLS flight do not arrive"
            default:
                // The flight arrived. Its packets are bounded by our MSS, by the server's writes and by what the
                // server learned (a PTB): from one flight these cannot be told apart, so a smaller largest packet
                // is no proof of a PTB. What is proven: no black hole for this server's segments.
                let largest = tlsProber.largestArrived ?? 0
                if tcpMaximum < maximum {
                    reverse.verdict = .partial
                    reverse.measuredUpTo = tcpMaximum
                    reverse.explanation =
                        "the TLS first flight (\(tlsProber.flightBytes ?? 0) bytes, largest packet \(largest)) arrives; \(limitText)"
                } else {
                    reverse.verdict = .ok
                    reverse.explanation =
                        "no reverse black hole for this server's segments: its TLS first flight (\(tlsProber.flightBytes ?? 0) bytes) arrives, largest packet \(largest) bytes (bounded by its writes; larger sizes cannot be tested this way)"
                }
            }
        } catch {
            throw ProbeError.wrapping(error)
        }
        return tlsProber.probesSent
    }

    /// The responder's UDP replies, of sizes the request chooses; the number of probes.
    static func reverseByResponder(
        _ reverse: inout ProbeReport.Reverse, address: ProbeAddress, port: UInt16, maximum: Int, options: ProbeOptions
    ) throws(ProbeError) -> Int {
        options.progress?(
            "reverse: asking the responder on \(address.description):\(port) for replies up to \(maximum) bytes")
        var reverseProber = try ReverseProber(
            target: address, port: port, token: options.token, timeoutMilliseconds: options.timeoutMilliseconds)
        defer { reverseProber.close() }
        do {
            try measureReverse(&reverse, with: &reverseProber, maximum: maximum)
        } catch {
            throw ProbeError.wrapping(error)
        }
        return reverseProber.probesSent
    }

    /// The reverse search through a responder, and what it may conclude. Without the token every reply is paid for
    /// by a request padded to the same size, so a size that fails may be the request dying on the way out (a
    /// forward wall below the reverse one): the first failing size is asked once more as a padded request for a
    /// small status reply. If even that does not come back, the reverse path is measured up to the last passing
    /// size only — `partial`, never a reverse wall that is really the forward one.
    static func measureReverse(_ reverse: inout ProbeReport.Reverse, with prober: inout ReverseProber, maximum: Int)
        throws
    {
        let addressText = "\(prober.target.description):\(prober.port)"
        let result = try PathMTUSearch(minimum: prober.target.isIPv6 ? 1280 : 68, maximum: maximum).run(&prober)
        var requestsDie = false
        if prober.token.isEmpty, result.pathMTU != nil, let first = result.firstFailing {
            requestsDie = try !prober.requestArrives(size: first)
        }
        let route = try prober.responderRouteMTU()
        reverse.method = .serveUDP
        reverse.pathMTU = result.pathMTU
        reverse.responderRouteMTU = route
        reverse.measuredUpTo = nil
        if result.pathMTU == nil {
            reverse.verdict = .unreachable
            reverse.explanation =
                "the responder did not answer: is `mtu-doctor serve` running on \(addressText), and does it allow us?"
        } else if result.firstFailing == nil {
            reverse.verdict = .ok
            reverse.explanation = "replies of every size up to \(maximum) arrived"
        } else if requestsDie, let mtu = result.pathMTU, let first = result.firstFailing {
            reverse.verdict = .partial
            reverse.measuredUpTo = mtu
            reverse.explanation =
                "replies up to \(mtu) bytes arrived; not measurable above \(mtu) without the token: a \(first)-byte request (each reply is paid for by an equally large request) does not reach the responder, so the limit may be on the way out — pass the responder's token (--token) to ask for large replies with small requests"
        } else if let route, route > 0, route <= (result.firstFailing ?? Int.max) - 1 {
            reverse.verdict = .ptb
            reverse.explanation =
                "replies over \(result.pathMTU!) bytes are lost; a PTB reached the responder (its route MTU toward us is now \(route))"
        } else {
            reverse.verdict = .blackhole
            reverse.explanation =
                "replies over \(result.pathMTU!) bytes are lost and no PTB reached the responder"
        }
    }

    static func explainForward(_ forward: ProbeReport.Forward, search: SearchResult, arrival: String?) -> String {
        guard let mtu = forward.pathMTU else {
            return "no probe came back: the target does not answer ICMP echo, or nothing reaches it"
        }
        let first = search.firstFailing
        switch forward.verdict {
        case .ok:
            return "every size up to \(mtu) passed"
        case .ptb:
            let ptb = forward.ptb
            var text =
                "\(mtu) passes, \(first.map(String.init) ?? "larger") does not; \(ptb?.source ?? "a router") answers \"fragmentation needed\" (MTU \(ptb?.mtu ?? 0))"
            if ptb?.rpfRisk == true {
                text +=
                    "; its source is not routable back via \(arrival ?? "the arrival interface"): hosts with strict rp_filter drop it"
                if let mode = ptb?.rpFilterMode {
                    text += mode == 1 ? " (this one runs strict rp_filter)" : " (this one runs rp_filter=\(mode))"
                }
            }
            if ptb?.implausible == true {
                text += "; the announced MTU is implausible (below 552): treat it as forged or broken"
            }
            return text
        case .localLimit:
            return
                "this host refuses packets over \(mtu) itself (interface or route MTU \(forward.localMTU.map(String.init) ?? "?"))"
        default:
            var text =
                "\(mtu) passes, \(first.map(String.init) ?? "larger") is dropped without any ICMP reaching this host (\(search.failuresAtWall) tries)"
            if forward.socket.isEcho {
                text +=
                    "; echo probes need their replies, so a silent wall on the way back looks the same (--tcp-port measures one way)"
            }
            if forward.rpFilterDrops > 0 {
                text +=
                    "; this host's rp_filter dropped \(forward.rpFilterDrops) packet(s) meanwhile: the PTB arrived and was discarded (IPReversePathFilter)"
            }
            return text
        }
    }
}
#endif

#if os(Linux)
extension Probe {
    /// A quick check of a boundary: whether it holds both ways, the probes it cost, and what the forward probe one
    /// byte above it met.
    public typealias Verification = (holds: Bool, probes: Int, forwardAbove: ProbeOutcome?)

    /// Re-checks a known boundary with a handful of probes instead of a search: `pathMTU` must pass and, when it
    /// is below `maximum`, `pathMTU + 1` must fail, each `tries` times (a pass above, or a failure at, the
    /// boundary means the path changed: the caller searches again). Forward by DF echo; reverse, when a responder
    /// port is given, by replies of those sizes. Returns whether both directions still hold and the probes sent.
    public static func verify(
        address: ProbeAddress, forward: Int, reverse: Int?, maximum: Int, responderPort: UInt16?, token: [UInt8],
        timeoutMilliseconds: Int, socket: ProbeOptions.SocketKind = .auto, tries: Int = 3
    ) -> Verification {
        func wave(_ size: Int) -> [ProbeRequest] {
            Array(repeating: ProbeRequest(size: size), count: tries)
                + (size < maximum ? Array(repeating: ProbeRequest(size: size + 1), count: tries) : [])
        }
        func holds(_ outcomes: [ProbeOutcome], _ size: Int) -> Bool {
            // At least one pass at the boundary (loss may take the others) and no pass above it.
            let at = outcomes.prefix(tries)
            let above = outcomes.dropFirst(tries)
            return at.contains(.passed) && !above.contains(.passed)
        }
        var probes = 0
        var above: ProbeOutcome?
        do {
            var prober = try ForwardProber.open(socket, target: address, timeoutMilliseconds: timeoutMilliseconds)
            defer { prober.close() }
            _ = try prober.send([ProbeRequest(size: 64)])  // warm the neighbour entry
            let outcomes = try prober.send(wave(forward))
            probes += prober.probesSent
            guard holds(outcomes, forward) else { return (false, probes, nil) }
            // What happens one byte above: a PTB (with its MTU and source) wins over silence.
            let failures = outcomes.dropFirst(tries)
            above = failures.first { if case .ptb = $0 { return true } else { return false } } ?? failures.first
        } catch {
            return (false, probes, nil)
        }
        if let reverse, let responderPort {
            do {
                var prober = try ReverseProber(
                    target: address, port: responderPort, token: token, timeoutMilliseconds: timeoutMilliseconds)
                defer { prober.close() }
                let outcomes = try prober.send(wave(reverse))
                probes += prober.probesSent
                guard holds(outcomes, reverse) else { return (false, probes, nil) }
            } catch {
                return (false, probes, nil)
            }
        }
        return (true, probes, above)
    }
}
#endif
