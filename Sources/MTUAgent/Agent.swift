#if os(Linux)
import Foundation
import Glibc
import MTUCore
import MTUProbe
import Prometheus
import Synchronization

/// Where the peers come from, when that can fail (the Kubernetes API): the last good list is kept and used while
/// the source is down, and the failure is reported (JSON, metrics) instead of silently measuring nobody.
public final class PeerDiscovery: Sendable {
    /// The discovery's state as the snapshot and the metrics report it (the type: MTUModel).
    public typealias Status = PeerDiscoveryStatus

    let state: Mutex<(peers: [Peer], status: Status)>
    let lookUp: @Sendable () -> Result<[Peer], DiscoveryFailure>

    public struct DiscoveryFailure: Error, Sendable {
        public var message: String
        public init(_ message: String) { self.message = message }
    }

    public init(source: String, lookUp: @escaping @Sendable () -> Result<[Peer], DiscoveryFailure>) {
        self.lookUp = lookUp
        state = Mutex(([], Status(source: source, lastSuccess: nil, failures: 0, lastError: nil, stale: false)))
    }

    /// Looks the peers up; on failure, the last good list.
    public func peers() -> [Peer] {
        let result = lookUp()
        return state.withLock { state in
            switch result {
            case .success(let peers):
                state.peers = peers
                state.status.lastSuccess = Date().timeIntervalSince1970
                state.status.lastError = nil
                state.status.stale = false
            case .failure(let failure):
                state.status.failures += 1
                state.status.lastError = failure.message
                state.status.stale = true
            }
            return state.peers
        }
    }

    public var status: Status { state.withLock { $0.status } }

    /// The peers of one round: the listed ones, every address of a DNS name (resolved each round), then the pods the
    /// Kubernetes source finds that are not already listed by address.
    public static func everyRound(listed: [Peer], dns: String?, kubernetes: PeerDiscovery?) -> @Sendable () -> [Peer] {
        {
            var list = listed
            if let dns { list += resolveAll(dns).map { Peer(name: $0, address: $0) } }
            if let kubernetes {
                list += kubernetes.peers().filter { peer in !list.contains { $0.address == peer.address } }
            }
            return list
        }
    }
}

extension HostSummary {
    /// Reads them now (a few `ip`/`iptables-save` runs).
    public static func gather(toward address: String?) -> HostSummary {
        let interface = address.flatMap(HostFacts.routeInterface(to:)) ?? HostFacts.routeInterface(to: "0.0.0.0")
        let clamps = HostFacts.mssClamps()
        return HostSummary(
            interface: interface, interfaceMTU: interface.flatMap(HostFacts.interfaceMTU),
            rpFilter: interface.map { HostFacts.rpFilter(interface: $0) },
            rpFilterDrops: HostFacts.reversePathFilterDrops(),
            tcpMTUProbing: HostFacts.sysctl("net/ipv4/tcp_mtu_probing"),
            routeMTUs: HostFacts.routeMTUs().map {
                RouteMTU(destination: $0.destination, device: $0.device, mtu: $0.mtu)
            },
            mssClamps: clamps.rules.map { MSSClamp(rule: $0.rule, mss: $0.mss) }, mssClampsKnown: clamps.known,
            tunnels: HostFacts.tunnelDevices().map { Tunnel(name: $0.name, kind: $0.kind, mtu: $0.mtu) })
    }
}

/// The agent: probes every peer periodically (jitter, a global packets-per-second budget, a concurrency cap), keeps
/// the latest and a bounded history per peer, serves the reverse-path responder so peers can measure the way back,
/// and exposes everything over HTTP (JSON and Prometheus).
public final class Agent: Sendable {
    public struct Options: Sendable {
        public var node: String
        /// Where the peers come from, asked once per round (a static list, or a DNS name's addresses).
        public var peers: @Sendable () -> [Peer]
        public var intervalSeconds: Double = 30
        /// Each probe starts after a random delay up to this fraction of the interval / peers.
        public var jitter: Double = 0.2
        /// Average probe packets per second for the whole agent (bursts of one search wave are allowed).
        public var packetsPerSecond: Double = 100
        public var concurrency = 4
        public var timeoutMilliseconds = 1000
        /// The peers' responder port (they run the same agent) and token.
        public var responderPort: UInt16 = 4790
        public var token: [UInt8] = []
        /// Results older than this are served as stale.
        public var staleAfterSeconds: Double = 90
        public var historyLength = 60
        /// The discovery behind `peers`, when it can fail, for the reports.
        public var discovery: PeerDiscovery?

        public init(node: String, peers: @escaping @Sendable () -> [Peer]) {
            self.node = node
            self.peers = peers
        }
    }

    struct State {
        var latest: [String: PeerResult] = [:]
        var history: [String: [PeerResult]] = [:]
        var errors: [String: Int] = [:]
        var lastError: [String: String] = [:]
        var rounds = 0
        var peers: [Peer] = []
        /// Peers being measured right now.
        var inFlight: Set<String> = []
        var lastRoundSeconds: Double?
        var probesSent = 0
        var probeErrors = 0
        var host: HostSummary?
        var hostGatheredAt: Double = 0
        var tokens: Double
    }

    public let options: Options
    let state: Mutex<State>
    /// The concurrency cap, for the agent's whole life.
    let slots: DispatchSemaphore
    let startedAt = Date().timeIntervalSince1970
    let stopping = Atomic<Bool>(false)

    public init(options: Options) {
        self.options = options
        state = Mutex(State(tokens: options.packetsPerSecond * 2))
        slots = DispatchSemaphore(value: Swift.max(1, options.concurrency))
    }

    public func stop() { stopping.store(true, ordering: .relaxed) }
    public var isStopping: Bool { stopping.load(ordering: .relaxed) }

    /// Runs rounds until stopped (or `rounds` of them, for tests and benchmarks).
    public func run(rounds limit: Int? = nil) {
        var done = 0
        while !isStopping, limit.map({ done < $0 }) ?? true {
            let start = Date()
            runRound()
            done += 1
            let seconds = Date().timeIntervalSince(start)
            state.withLock {
                $0.rounds += 1
                $0.lastRoundSeconds = seconds
            }
            if limit.map({ done >= $0 }) ?? false { break }
            sleep(seconds: Swift.max(0, options.intervalSeconds - seconds))
        }
    }

    func sleep(seconds: Double) {
        var left = seconds
        while left > 0, !isStopping {
            let step = Swift.min(left, 0.2)
            usleep(UInt32(step * 1_000_000))
            left -= step
        }
    }

    /// One pass over every peer, at most `concurrency` at a time.
    func runRound() {
        // Never ourselves: a peer address that routes via loopback is this host.
        let current = options.peers().filter { HostFacts.routeInterface(to: $0.address) != "lo" }
        // Host facts change rarely and cost a few process runs (ip, iptables-save, nft): at most once a minute.
        let now = Date().timeIntervalSince1970
        let due = state.withLock { now - $0.hostGatheredAt >= Swift.max(60, options.intervalSeconds) || $0.host == nil }
        let host = due ? HostSummary.gather(toward: current.first?.address) : nil
        state.withLock { state in
            state.peers = current
            if let host {
                state.host = host
                state.hostGatheredAt = now
            }
            // Peers that left are forgotten (bounded memory whatever the churn).
            let addresses = Set(current.map(\.address))
            state.latest = state.latest.filter { addresses.contains($0.key) }
            state.history = state.history.filter { addresses.contains($0.key) }
        }
        let peers = current.shuffled()
        // The first round runs one peer at a time: neighbour tables and route caches are cold, and parallel jumbo
        // bursts toward unresolved next hops overflow the kernel's small queue of packets awaiting resolution.
        if state.withLock({ $0.rounds == 0 }) {
            for peer in peers where !isStopping {
                waitForBudget(estimate: 100)
                measure(peer)
            }
            return
        }
        // Later rounds: at most `concurrency` measurements at once (one semaphore for the agent's life, so a slow
        // peer still being measured counts against it), never the same peer twice at once, and a round waits for
        // its stragglers at most one interval: a dead or flapping peer does not hold the healthy ones back.
        let group = DispatchGroup()
        let spread = options.intervalSeconds * options.jitter / Double(Swift.max(1, peers.count))
        for peer in peers {
            if isStopping { break }
            let busy = state.withLock { $0.inFlight.contains(peer.address) }
            if busy { continue }
            slots.wait()
            waitForBudget(estimate: 100)
            state.withLock { _ = $0.inFlight.insert(peer.address) }
            group.enter()
            let delay = Double.random(in: 0...Swift.max(0, spread))
            Thread.detachNewThread { [self] in
                defer {
                    state.withLock { _ = $0.inFlight.remove(peer.address) }
                    slots.signal()
                    group.leave()
                }
                if delay > 0 { usleep(UInt32(delay * 1_000_000)) }
                measure(peer)
            }
        }
        _ = group.wait(timeout: .now() + Swift.max(1, options.intervalSeconds))
    }

    /// The packets-per-second budget: a token bucket debited by the probes each measurement actually sent.
    func waitForBudget(estimate: Int) {
        var last = Date()
        while !isStopping {
            let now = Date()
            let ready = state.withLock { state -> Bool in
                state.tokens = Swift.min(
                    options.packetsPerSecond * 2, state.tokens + now.timeIntervalSince(last) * options.packetsPerSecond)
                return state.tokens >= Double(Swift.min(estimate, Int(options.packetsPerSecond)))
            }
            last = now
            if ready { return }
            usleep(20_000)
        }
    }

    /// One peer, both ways: a quick check of likely boundaries first (`verified`), else the full probe.
    func measure(_ peer: Peer) {
        if let result = verified(peer) {
            store(result, for: peer)
            return
        }
        var probe = ProbeOptions()
        probe.timeoutMilliseconds = options.timeoutMilliseconds
        probe.locateWall = false
        probe.reversePort = options.responderPort
        probe.token = options.token
        let result: PeerResult
        do throws(ProbeError) {
            let report = try Probe.run(target: peer.address, options: probe)
            result = Self.result(peer, report)
        } catch {
            state.withLock {
                $0.errors[peer.address, default: 0] += 1
                $0.lastError[peer.address] = error.message
                $0.probeErrors += 1
            }
            return
        }
        store(result, for: peer)
    }

    /// A boundary worth re-checking before a full search, with the result it came from (nil: the interface MTU).
    struct Candidate {
        var forward: Int
        var reverse: Int?
        var template: PeerResult?
        var method: PeerResult.Method
    }

    /// Re-checks boundaries that are likely to hold, with a few probes each: this peer's previous result, then the
    /// boundaries other peers showed (peers behind the same hop share them), then the interface's own MTU (a clean
    /// path). A candidate counts only if its size passes and one byte more does not, both ways; nil when none
    /// holds (the full search decides).
    func verified(_ peer: Peer) -> PeerResult? {
        guard let address = ProbeAddress(peer.address), let interface = HostFacts.routeInterface(to: peer.address),
            let maximum = HostFacts.interfaceMTU(interface)
        else { return nil }
        for candidate in candidates(for: peer, maximum: maximum).prefix(4) {
            let check = Probe.verify(
                address: address, forward: candidate.forward, reverse: candidate.reverse, maximum: maximum,
                responderPort: options.responderPort, token: options.token,
                timeoutMilliseconds: options.timeoutMilliseconds)
            if check.holds { return Self.verifiedResult(peer, candidate, check: check, maximum: maximum) }
            state.withLock {
                $0.tokens -= Double(check.probes)
                $0.probesSent += check.probes
            }
        }
        return nil
    }

    /// The candidates, most likely first: this peer's fresh conclusive result, the two boundaries most other peers
    /// share, the interface MTU.
    func candidates(for peer: Peer, maximum: Int) -> [Candidate] {
        let conclusive: Set<PathVerdict> = [.ok, .ptb, .blackhole]
        let (previous, others) = state.withLock { state in (state.latest[peer.address], Array(state.latest.values)) }
        var candidates: [Candidate] = []
        if let previous, let forward = previous.forward.pathMTU, conclusive.contains(previous.forward.verdict),
            Date().timeIntervalSince1970 - previous.at < options.staleAfterSeconds
        {
            candidates.append(
                Candidate(
                    forward: forward,
                    reverse: conclusive.contains(previous.reverse.verdict) ? previous.reverse.pathMTU : nil,
                    template: previous, method: .verified))
        }
        var counts: [String: (Int, PeerResult)] = [:]
        for other in others
        where other.address != peer.address && conclusive.contains(other.forward.verdict)
            && conclusive.contains(other.reverse.verdict)
        {
            guard let forward = other.forward.pathMTU, let reverse = other.reverse.pathMTU else { continue }
            let key = "\(forward)/\(reverse)"
            counts[key] = ((counts[key]?.0 ?? 0) + 1, other)
        }
        for (_, entry) in counts.sorted(by: { $0.value.0 > $1.value.0 }).prefix(2) {
            candidates.append(
                Candidate(
                    forward: entry.1.forward.pathMTU!, reverse: entry.1.reverse.pathMTU, template: entry.1,
                    method: .verifiedHint))
        }
        if !candidates.contains(where: { $0.forward == maximum }) {
            candidates.append(Candidate(forward: maximum, reverse: maximum, template: nil, method: .verifiedHint))
        }
        return candidates
    }

    /// A candidate that held, as a result. The forward verdict comes from what the check saw above the boundary,
    /// never from the template; on the way back the boundary holds, and whether its sender hears a PTB is the
    /// template's.
    static func verifiedResult(
        _ peer: Peer, _ candidate: Candidate, check: Probe.Verification,
        maximum: Int
    ) -> PeerResult {
        let template = candidate.template
        var forward = PeerResult.Direction(pathMTU: candidate.forward, verdict: .ok)
        if candidate.forward < maximum {
            switch check.forwardAbove {
            case .ptb(let mtu, let source)?:
                forward = .init(pathMTU: candidate.forward, verdict: .ptb, ptbMTU: mtu, ptbSource: source)
            case .localLimit?: forward.verdict = .localLimit
            default:
                forward = .init(
                    pathMTU: candidate.forward, verdict: .blackhole, ptbLost: template?.forward.ptbLost ?? false)
            }
        }
        let reverseVerdict: PathVerdict =
            (candidate.reverse ?? 0) >= maximum ? .ok : (template?.reverse.verdict ?? .blackhole)
        var result = PeerResult(
            peer: peer.name, address: peer.address, at: Date().timeIntervalSince1970, forward: forward,
            reverse: .init(
                pathMTU: candidate.reverse, verdict: candidate.reverse == nil ? .notMeasured : reverseVerdict),
            probesSent: check.probes, elapsedMs: 0, error: nil)
        result.method = candidate.method
        return result
    }

    func store(_ result: PeerResult, for peer: Peer) {
        state.withLock {
            $0.tokens -= Double(result.probesSent)
            $0.probesSent += result.probesSent
            $0.latest[peer.address] = result
            $0.lastError[peer.address] = nil
            var history = $0.history[peer.address] ?? []
            history.append(result)
            if history.count > options.historyLength { history.removeFirst(history.count - options.historyLength) }
            $0.history[peer.address] = history
        }
    }

    static func result(_ peer: Peer, _ report: ProbeReport) -> PeerResult {
        let forward = PeerResult.Direction(
            pathMTU: report.forward.pathMTU, verdict: report.forward.verdict, ptbMTU: report.forward.ptb?.mtu,
            ptbSource: report.forward.ptb?.source,
            ptbLost: report.forward.verdict == .blackhole && report.forward.rpFilterDrops > 0)
        let reverse = PeerResult.Direction(
            pathMTU: report.reverse.pathMTU, verdict: report.reverse.verdict ?? .notMeasured)
        return PeerResult(
            peer: peer.name, address: peer.address, at: Date().timeIntervalSince1970, forward: forward,
            reverse: reverse,
            probesSent: report.probesSent, elapsedMs: report.elapsedMs,
            error: report.forward.verdict == .unreachable ? "no answer" : nil)
    }

    // MARK: - Views

    public func snapshot(now: Double = Date().timeIntervalSince1970) -> AgentSnapshot {
        let copy = state.withLock { $0 }
        let statuses = copy.peers.map { peer -> AgentSnapshot.PeerStatus in
            let latest = copy.latest[peer.address]
            let age = latest.map { now - $0.at }
            let failing = copy.lastError[peer.address] != nil
            return .init(
                peer: peer, latest: latest, stale: latest == nil || (age ?? 0) > options.staleAfterSeconds || failing,
                ageSeconds: age, errors: copy.errors[peer.address] ?? 0, lastError: copy.lastError[peer.address])
        }
        return AgentSnapshot(
            node: options.node, address: nil, interfaceMTU: copy.host?.interfaceMTU, startedAt: startedAt,
            rounds: copy.rounds,
            lastRoundSeconds: copy.lastRoundSeconds, intervalSeconds: options.intervalSeconds,
            discovery: options.discovery?.status,
            host: copy.host, peers: statuses)
    }

    public func history(of address: String) -> [PeerResult]? {
        state.withLock { $0.history[address] }
    }

    public var ready: Bool { state.withLock { $0.rounds > 0 } }

    /// Prometheus exposition: per directed pair the path MTU, black hole and PTB-lost flags, the result's age and
    /// staleness, probe errors; the agent's rounds, probes and round time. Stale pairs keep their last path MTU but
    /// say so in `mtu_doctor_result_stale` — a stale "ok" is never served as fresh.
    /// Long: the metric families in exposition order, one block each.
    public func metrics() -> String {
        let snapshot = snapshot()
        let copy = state.withLock { $0 }
        let registry = PrometheusCollectorRegistry()
        for status in snapshot.peers {
            let pair = [("from", options.node), ("to", status.peer.name)]
            if let latest = status.latest {
                for (direction, side) in [(PathDirection.forward, latest.forward), (.reverse, latest.reverse)] {
                    let labels = pair + [("direction", direction.rawValue)]
                    if let mtu = side.pathMTU {
                        registry.gauge(
                            "mtu_doctor_path_mtu_bytes", labels: labels,
                            help: "Largest packet that crosses the path, measured with DF, per direction"
                        ).set(to: Double(mtu))
                    }
                    registry.gauge(
                        "mtu_doctor_blackhole", labels: labels,
                        help: "1 when packets above the path MTU vanish without an ICMP too-big reaching the sender"
                    ).set(to: side.verdict == .blackhole ? 1 : 0)
                }
                registry.gauge(
                    "mtu_doctor_ptb_lost", labels: pair,
                    help: "1 when an ICMP too-big arrived and this host's rp_filter dropped it"
                ).set(to: latest.forward.ptbLost ? 1 : 0)
                registry.gauge(
                    "mtu_doctor_result_age_seconds", labels: pair, help: "Age of the latest result"
                ).set(to: status.ageSeconds ?? 0)
            }
            registry.gauge(
                "mtu_doctor_result_stale", labels: pair,
                help: "1 when the latest result is missing, older than the stale limit, or the last attempt failed"
            ).set(to: status.stale ? 1 : 0)
            registry.counter(
                "mtu_doctor_probe_errors_total", labels: pair, help: "Measurements of this peer that failed"
            ).increment(by: Int64(status.errors))
        }
        registry.counter(
            "mtu_doctor_rounds_total", labels: [("node", options.node)], help: "Completed rounds over every peer"
        ).increment(by: Int64(copy.rounds))
        registry.counter(
            "mtu_doctor_probe_packets_total", labels: [("node", options.node)], help: "Probe packets sent"
        ).increment(by: Int64(copy.probesSent))
        registry.gauge(
            "mtu_doctor_round_duration_seconds", labels: [("node", options.node)],
            help: "Duration of the last complete round"
        ).set(to: copy.lastRoundSeconds ?? 0)
        registry.gauge(
            "mtu_doctor_peers", labels: [("node", options.node)], help: "Peers this agent measures"
        ).set(to: Double(copy.peers.count))
        if let host = copy.host {
            let node = [("node", options.node)]
            if let interface = host.interface, let mtu = host.interfaceMTU {
                registry.gauge(
                    "mtu_doctor_interface_mtu_bytes", labels: node + [("interface", interface)],
                    help: "MTU of the interface toward the peers"
                ).set(to: Double(mtu))
                registry.gauge(
                    "mtu_doctor_rp_filter", labels: node + [("interface", interface)],
                    help: "Effective rp_filter on that interface: 0 off, 1 strict, 2 loose"
                ).set(to: Double(host.rpFilter ?? 0))
            }
            if let probing = host.tcpMTUProbing {
                registry.gauge(
                    "mtu_doctor_tcp_mtu_probing", labels: node,
                    help: "net.ipv4.tcp_mtu_probing: 0 off, 1 after a suspected black hole, 2 always"
                ).set(to: Double(probing))
            }
            if let drops = host.rpFilterDrops {
                registry.counter(
                    "mtu_doctor_rp_filter_drops_total", labels: node,
                    help: "Packets this host dropped for failing rp_filter (TcpExt IPReversePathFilter)"
                ).increment(by: Int64(drops))
            }
            if host.mssClampsKnown {
                registry.gauge(
                    "mtu_doctor_mss_clamp_rules", labels: node,
                    help: "TCP MSS clamp rules in this host's iptables/nftables"
                ).set(to: Double(host.mssClamps.count))
            }
        }
        if let discovery = snapshot.discovery {
            let labels = [("node", options.node), ("source", discovery.source)]
            registry.counter(
                "mtu_doctor_discovery_errors_total", labels: labels,
                help: "Peer look-ups that failed (the last good peer list stays in use)"
            ).increment(by: Int64(discovery.failures))
            registry.gauge(
                "mtu_doctor_discovery_stale", labels: labels,
                help: "1 when the peer list is from an earlier look-up because the source is failing"
            ).set(to: discovery.stale ? 1 : 0)
        }
        return registry.emitToString()
    }
}

extension PrometheusCollectorRegistry {
    /// A gauge by its full name (swift-prometheus 2's descriptor form, the unit left in the name as the metric names
    /// in deploy/monitoring and the dashboard spell it).
    func gauge(_ name: String, labels: [(String, String)], help: String) -> Gauge {
        makeGauge(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: labels)
    }

    /// A counter by its full name, as ``gauge(_:labels:help:)``.
    func counter(_ name: String, labels: [(String, String)], help: String) -> Counter {
        makeCounter(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: labels)
    }
}
#endif
