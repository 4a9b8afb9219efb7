import Foundation
import MTUCore

/// One probe to send: an IP packet of `size` bytes with DF, optionally TTL-limited.
public struct ProbeRequest: Sendable, Hashable {
    public var size: Int
    public var ttl: Int?

    public init(size: Int, ttl: Int? = nil) {
        self.size = size
        self.ttl = ttl
    }
}

/// Sends a wave of probes at once and reports each one's outcome, in order.
public protocol WaveProber {
    mutating func send(_ wave: [ProbeRequest]) throws -> [ProbeOutcome]
    /// Probes sent so far.
    var probesSent: Int { get }
}

/// Finds the exact path MTU with few waves: a coarse ladder in parallel, then every size in the remaining gap,
/// then repeats at the boundary until a size wall is told apart from random loss.
public struct PathMTUSearch {
    public var minimum: Int
    public var maximum: Int
    /// Failures needed at the boundary before calling it a wall.
    public var confirmations: Int = 3
    public var maxWaves: Int = 12
    /// At most this many sizes per wave (for probes whose answers are rate limited, like UDP port unreachables):
    /// the search then narrows the gap by evenly spaced sizes instead of a full ladder.
    public var maxWaveSize: Int?

    public init(minimum: Int = 68, maximum: Int) {
        self.minimum = minimum
        self.maximum = maximum
    }

    /// Sizes worth trying first: the well-known MTUs plus an even ladder.
    func firstWave() -> [Int] {
        let known = [
            68, 100, 576, 1280, 1400, 1420, 1440, 1450, 1460, 1472, 1480, 1492, 1500, 1550, 1600, 1700, 4000, 8000,
            8450, 8500,
            8950, 8951, 9000, 9001,
        ]
        var sizes = Set(known.filter { $0 >= minimum && $0 <= maximum })
        sizes.insert(maximum)
        sizes.insert(max(minimum, min(maximum, 84)))
        let steps = 48
        let span = maximum - minimum
        if span > steps {
            for index in 1..<steps { sizes.insert(minimum + span * index / steps) }
        }
        return sizes.sorted()
    }

    /// Every probe's answer so far: the sizes that passed, failures per size, the last (or PTB) outcome per size.
    struct Tally {
        var passed: Set<Int> = []
        var failures: [Int: Int] = [:]
        var lastOutcome: [Int: ProbeOutcome] = [:]
        var attempts: [Int: Int] = [:]

        mutating func record(_ wave: [ProbeRequest], _ outcomes: [ProbeOutcome]) {
            for (request, outcome) in zip(wave, outcomes) {
                attempts[request.size, default: 0] += 1
                if outcome.answered {
                    passed.insert(request.size)
                    lastOutcome[request.size] = outcome
                } else {
                    failures[request.size, default: 0] += 1
                    // A PTB is kept over a later silence: it is the evidence.
                    if !(lastOutcome[request.size].map(PathMTUSearch.isPTB) ?? false) {
                        lastOutcome[request.size] = outcome
                    }
                }
            }
        }
    }

    /// What to do after a wave: send another, or stop (with the failures that confirmed the boundary, if any did).
    enum Step {
        case probe([ProbeRequest])
        case stop(confirmedFailures: Int?)
    }

    public func run(_ prober: inout some WaveProber) throws -> SearchResult {
        var tally = Tally()
        var waves = 0
        var confirmedFailures: Int?
        // Warm-up: a few small probes first resolve the neighbours along the path (ARP, NDP). A cold path queues
        // only a little while resolving and would drop most of a jumbo ladder, which would read as loss.
        var wave = Array(repeating: ProbeRequest(size: max(minimum, min(maximum, 84))), count: 3)
        let maxWaves = maxWaveSize == nil ? self.maxWaves : max(self.maxWaves, 24)
        while !wave.isEmpty, waves < maxWaves {
            waves += 1
            tally.record(wave, try prober.send(wave))
            if waves == 1 {
                wave = openingWave()
                continue
            }
            switch next(after: tally, waves: waves) {
            case .probe(let requests): wave = requests
            case .stop(let confirmed):
                confirmedFailures = confirmed
                wave = []
            }
        }
        return conclude(tally, waves: waves, confirmedFailures: confirmedFailures)
    }

    /// After the warm-up: the full first ladder, or evenly spread sizes when waves are limited.
    func openingWave() -> [ProbeRequest] {
        guard let limit = maxWaveSize else { return firstWave().map { ProbeRequest(size: $0) } }
        return spread(from: minimum, to: maximum + 1, count: limit).map { ProbeRequest(size: $0) } + [
            ProbeRequest(size: maximum)
        ]
    }

    /// The next wave from what is known: retry small sizes while nothing answered, confirm a boundary by repeats
    /// (or a PTB naming it exactly), else narrow the gap between the largest passing and the first failing size.
    func next(after tally: Tally, waves: Int) -> Step {
        // Sizes pass monotonically: anything at or below a passing size passes, whatever was lost.
        guard let best = tally.passed.max() else {
            // Nothing answered: retry small probes a few times before calling the target unreachable.
            if waves >= 5 { return .stop(confirmedFailures: nil) }
            return .probe(Array(repeating: ProbeRequest(size: max(minimum, min(maximum, 84))), count: 8))
        }
        if best >= maximum { return .stop(confirmedFailures: nil) }
        guard let first = tally.failures.keys.filter({ $0 > best }).min() else {
            return .probe([ProbeRequest(size: maximum)])
        }
        guard first == best + 1 else { return .probe(gapWave(best: best, first: first, tally: tally)) }
        if case .ptb(let mtu, _)? = tally.lastOutcome[first], mtu == best {
            // A router named exactly this boundary: proof, not a sample (no repeats needed, and none would help
            // when the answers below it are rate limited).
            return .stop(confirmedFailures: tally.failures[first] ?? 1)
        }
        // Sizes at or below `best` must pass, so their silences measure random loss. Ask for enough failures at the
        // boundary that loss alone would explain them with probability under 1/10,000. A cautious estimate (one
        // extra loss counted), and no answer at all above 30% loss: at that rate a wall and bad luck are too hard to
        // tell apart.
        let loss = observedLoss(attempts: tally.attempts, failures: tally.failures, best: best)
        guard loss <= 0.3 else { return .stop(confirmedFailures: nil) }
        let required = max(confirmations, Int((log(0.0001) / log(max(loss, 0.01))).rounded(.up)))
        let needed = required - (tally.failures[first] ?? 0)
        if needed <= 0 { return .stop(confirmedFailures: required) }
        return .probe(Array(repeating: ProbeRequest(size: first), count: needed) + [ProbeRequest(size: best)])
    }

    /// Sizes between `best` and `first`: the whole gap when it is small, else a finer ladder; always the first
    /// failing size again, and a PTB's claimed MTU (it may lie).
    func gapWave(best: Int, first: Int, tally: Tally) -> [ProbeRequest] {
        let gap = first - best - 1
        var sizes: [Int]
        if let limit = maxWaveSize {
            sizes = spread(from: best, to: first, count: limit)
        } else if gap <= 160 {
            sizes = Array((best + 1)..<first)
        } else {
            let step = max(1, gap / 64)
            sizes = Array(stride(from: best + step, to: first, by: step))
        }
        if case .ptb(let mtu, _)? = tally.lastOutcome[first], mtu > best, mtu < first {
            sizes += [mtu, mtu + 1].filter { $0 < first }
        }
        // `best` rides along as an anchor: its answer starts the quiet period, so a gap that is all silence does not
        // cost a full timeout.
        return (sizes + [first, best]).map { ProbeRequest(size: $0) }
    }

    /// The result: the boundary, whether repeats confirmed it, and what happens above it — a PTB anywhere above the
    /// wall wins, then a local refusal, else silence.
    func conclude(_ tally: Tally, waves: Int, confirmedFailures: Int?) -> SearchResult {
        let best = tally.passed.max()
        let first = best.flatMap { value in tally.failures.keys.filter { $0 > value }.min() }
        var result = SearchResult(
            pathMTU: best, firstFailing: first, verdict: .ok, ptbMTU: nil, ptbSource: nil, localMTU: nil,
            failuresAtWall: first.flatMap { tally.failures[$0] } ?? 0,
            confirmed: first == nil || (first == best.map { $0 + 1 } && confirmedFailures != nil), waves: waves,
            ladder: tally.attempts.keys.sorted().map { size in
                SearchResult.LadderStep(
                    size: size, outcome: tally.lastOutcome[size] ?? .silent,
                    attempts: tally.attempts[size] ?? 0)
            })
        guard let best else {
            result.verdict = .unreachable
            return result
        }
        let above = tally.lastOutcome.filter { $0.key > best }
        if let ptb = above.sorted(by: { $0.key < $1.key }).lazy.compactMap({ entry -> (Int, String)? in
            if case .ptb(let mtu, let source) = entry.value { return (mtu, source) } else { return nil }
        }).first {
            // A PTB above an unconfirmed boundary says a wall exists, not that it is here.
            result.verdict = result.confirmed ? .ptb : .inconclusive
            result.ptbMTU = ptb.0
            result.ptbSource = ptb.1
        } else if let local = above.values.lazy.compactMap({ outcome -> Int?? in
            if case .localLimit(let mtu) = outcome { return .some(mtu) } else { return nil }
        }).first {
            result.verdict = .localLimit
            result.localMTU = local
        } else if first != nil {
            result.verdict = result.confirmed ? .blackhole : .inconclusive
        }
        return result
    }

    /// `count` sizes evenly inside the open interval (low, high), fewer when it is narrower.
    func spread(from low: Int, to high: Int, count: Int) -> [Int] {
        let gap = high - low - 1
        guard gap > 0 else { return [] }
        if gap <= count { return Array((low + 1)..<high) }
        return (1...count).map { low + ($0 * (gap + 1)) / (count + 1) }.filter { $0 > low && $0 < high }
    }

    /// The share of probes at or below `best` that went unanswered: random loss, since those sizes pass.
    private func observedLoss(attempts: [Int: Int], failures: [Int: Int], best: Int) -> Double {
        var sent = 0
        var lost = 0
        for (size, count) in attempts where size <= best {
            sent += count
            lost += failures[size] ?? 0
        }
        return lost == 0 ? 0 : Double(lost + 1) / Double(sent + 2)
    }

    static func isPTB(_ outcome: ProbeOutcome) -> Bool {
        if case .ptb = outcome { return true }
        return false
    }
}

extension WallLocation {
    /// Sends small and large probes at every TTL in one wave and reads where the large ones stop.
    public static func locate(
        _ prober: inout some WaveProber, target: String, small: Int, large: Int, maxHops: Int = 16
    ) throws -> WallLocation {
        var wave: [ProbeRequest] = []
        for ttl in 1...maxHops {
            wave.append(ProbeRequest(size: small, ttl: ttl))
            wave.append(ProbeRequest(size: large, ttl: ttl))
        }
        let outcomes = try prober.send(wave)
        var hops: [String?] = []
        var lastGood: (ttl: Int, address: String)?
        var reachedAt: Int?
        for ttl in 1...maxHops {
            let smallOutcome = outcomes[(ttl - 1) * 2]
            let largeOutcome = outcomes[(ttl - 1) * 2 + 1]
            switch smallOutcome {
            case .timeExceeded(let from): hops.append(from)
            case .passed, .unreachable: hops.append(target)
            default: hops.append(nil)
            }
            if case .timeExceeded(let from) = largeOutcome { lastGood = (ttl, from) }
            if reachedAt == nil, case .passed = smallOutcome { reachedAt = ttl }
            if reachedAt != nil { break }
        }
        let firstBadTTL = (lastGood?.ttl ?? 0) + 1
        let firstBad = firstBadTTL <= hops.count ? hops[firstBadTTL - 1] : nil
        return WallLocation(
            lastGoodHop: lastGood?.address ?? WallLocation.thisHost, firstBadHop: firstBad, ttl: firstBadTTL, hops: hops
        )
    }
}

/// When a "fragmentation needed" / "packet too big" cannot be taken at its word.
public enum PTBPlausibility {
    /// Below 552 (Linux's min_pmtu for IPv4) or 1280 (IPv6's minimum), or not smaller than the packet it reports on.
    public static func suspect(mtu: Int, probeSize: Int, ipv6: Bool) -> Bool {
        mtu < (ipv6 ? 1280 : 552) || mtu >= probeSize
    }
}
