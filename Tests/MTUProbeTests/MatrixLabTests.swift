import Foundation
import MTUCore
import MTULab
import MTUTestSupport
import Testing

/// The two directions varied independently: every forward fate × every reverse fate of ``WallFate`` on the `twoway`
/// lab, each wall's size drawn at random per run (the seed is printed; `MTUD_MATRIX_SEED=<seed>` replays a run).
/// Ground truth comes from the lab. For every cell, `probe` (echo forward with its one-way check, the responder's
/// UDP replies back; TCP forward by segment; TCP reverse by advertised MSS) and `diagnose` (TLS signature, TLS
/// reverse by MSS) must find each direction's wall and fate,
/// blame only a wall on the stalled data's direction, and say the same thing when run again — and once more after
/// other traffic taught the client a path MTU.
extension LabSuites {
    @Suite(
        "Two-way matrix: forward fate × reverse fate, random walls (root)", .serialized,
        .enabled(if: LabSupport.isRoot, "needs root to create network namespaces"))
    struct MatrixLabTests {
        static let seed: UInt64 =
            ProcessInfo.processInfo.environment["MTUD_MATRIX_SEED"].flatMap { UInt64($0) }
            ?? UInt64.random(in: 1...UInt64(UInt32.max))

        struct Cell: Sendable, CustomStringConvertible {
            var forward: WallFate
            var wall: Int
            var reverse: WallFate
            var reverseWall: Int
            var description: String {
                "forward \(forward.rawValue) \(wall) / reverse \(reverse.rawValue) \(reverseWall)"
            }
            var forwardPasses: Int { forward.passes(wall) }
            var reversePasses: Int { reverse.passes(reverseWall) }
            static let silent: Set<WallFate> = [.ptbRPF, .silentRouted, .silentL2]
        }

        /// The cells of one run: 25, walls 1300–4000 bytes (below the lab's TLS flight, so the handshake meets them).
        static func cells(seed: UInt64) -> [Cell] {
            var random = SplitMix64(seed: seed)
            return WallFate.allCases.flatMap { forward in
                WallFate.allCases.map { reverse in
                    Cell(
                        forward: forward, wall: Int.random(in: 1300...4000, using: &random), reverse: reverse,
                        reverseWall: Int.random(in: 1300...4000, using: &random))
                }
            }
        }

        /// What one run of `probe` or `diagnose` concluded, reduced to what must not change between runs.
        struct Answer: Equatable, CustomStringConvertible {
            var verdict: String
            var forward: String
            var reverse: String
            var cause: String
            var description: String { "\(verdict) | forward \(forward) | reverse \(reverse) | cause \(cause)" }
        }

        static func json(_ output: LabSupport.Output, _ what: String) throws -> [String: Any] {
            guard let json = (try? JSONSerialization.jsonObject(with: Data(output.stdout.utf8))) as? [String: Any]
            else {
                throw LabError("\(what) printed no JSON (exit \(output.status)): \(output.stderr)")
            }
            return json
        }

        static func probe(_ truth: LabGroundTruth, _ methods: [String] = ["--reverse-port", "4790", "--token", "lab"])
            throws -> (Answer, [String: Any])
        {
            let output = try LabSupport.inNamespace(
                truth.namespaces["client"]!,
                [LabSupport.binary, "probe", truth.server, "--json", "--lab-only", "--no-wall"] + methods
            ).1!
            let json = try Self.json(output, "probe")
            let forward = json["forward"] as? [String: Any] ?? [:]
            let reverse = json["reverse"] as? [String: Any] ?? [:]
            return (
                Answer(
                    verdict: "-", forward: "\(forward["verdict"] as? String ?? "?") \(forward["pathMTU"] as? Int ?? 0)",
                    reverse: "\(reverse["verdict"] as? String ?? "?") \(reverse["pathMTU"] as? Int ?? 0)", cause: "-"),
                json
            )
        }

        static func diagnose(_ truth: LabGroundTruth) throws -> (Answer, [String: Any]) {
            let output = try LabSupport.inNamespace(
                truth.namespaces["client"]!,
                [LabSupport.binary, "diagnose", "https://\(truth.server)", "--json", "--lab-only"]
            ).1!
            let json = try Self.json(output, "diagnose")
            let evidence = json["evidence"] as? [String: Any] ?? [:]
            let forward = evidence["forward"] as? [String: Any] ?? [:]
            let reverse = evidence["reverse"] as? [String: Any] ?? [:]
            let hypotheses = json["hypotheses"] as? [[String: Any]] ?? []
            let cause = hypotheses.first { ["confirmed", "likely"].contains($0["status"] as? String ?? "") }
            return (
                Answer(
                    verdict: json["verdict"] as? String ?? "?",
                    forward: "\(forward["verdict"] as? String ?? "?") \(forward["pathMTU"] as? Int ?? 0)",
                    reverse: "\(reverse["verdict"] as? String ?? "?") \(reverse["pathMTU"] as? Int ?? 0)",
                    cause: cause.map { "\($0["id"] as? String ?? "?") (\($0["direction"] as? String ?? "-"))" }
                        ?? "none"), json
            )
        }

        /// Runs one cell and returns every way its answers differ from the lab's truth or from each other.
        static func check(_ cell: Cell) -> [String] {
            var problems: [String] = []
            func expect(_ condition: Bool, _ message: @autoclosure () -> String) {
                if !condition { problems.append("\(cell): \(message())") }
            }
            do {
                try LabSupport.withLab(
                    .twoway,
                    LabOptions(
                        wall: cell.wall, reverseWall: cell.reverseWall, https: true, forwardFate: cell.forward,
                        reverseFate: cell.reverse)
                ) { truth in
                    try LabSupport.withResponder(truth) {
                        // probe: each direction's wall and fate, one way each.
                        let (first, json) = try probe(truth)
                        let forward = json["forward"] as? [String: Any] ?? [:]
                        expect(
                            first.forward == "\(cell.forward.verdict) \(cell.forwardPasses)",
                            "probe forward: \(first.forward), truth \(cell.forward.verdict) \(cell.forwardPasses) (\(forward["explanation"] as? String ?? ""))"
                        )
                        expect(
                            first.reverse == "\(cell.reverse.verdict) \(cell.reversePasses)",
                            "probe reverse: \(first.reverse), truth \(cell.reverse.verdict) \(cell.reversePasses)")
                        if cell.forward == .ptbRPF {
                            expect((forward["rpFilterDrops"] as? Int ?? 0) > 0, "probe: the rp_filter drops are seen")
                        }
                        let (second, _) = try probe(truth)
                        expect(second == first, "probe twice: \(first) then \(second)")
                        // The TCP methods: forward by one full segment per size, reverse by advertised MSS.
                        let (tcpForward, _) = try probe(truth, ["--tcp-port", "4791"])
                        // The server learned the reverse PTB wall (the responder's replies taught it) and advertises an MSS
                        // that fits it: TCP cannot send larger segments, and must say so rather than guess.
                        let capped =
                            cell.reverse == .ptb && cell.reverseWall < cell.forwardPasses
                            && !(Cell.silent.contains(cell.forward) && cell.forwardPasses < cell.reverseWall)
                        let tcpTruth =
                            capped ? "partial \(cell.reverseWall)" : "\(cell.forward.verdict) \(cell.forwardPasses)"
                        expect(
                            tcpForward.forward == tcpTruth,
                            "probe --tcp-port forward: \(tcpForward.forward), truth \(tcpTruth)")
                        let (tcpReverse, _) = try probe(truth, ["--reverse-tcp-port", "4791", "--token", "lab"])
                        expect(
                            tcpReverse.reverse == "\(cell.reverse.verdict) \(cell.reversePasses)",
                            "probe --reverse-tcp-port reverse: \(tcpReverse.reverse)")
                    }
                    // diagnose: the verdict, and a cause only on a direction that can explain the symptom.
                    let (first, json) = try diagnose(truth)
                    let silent = Cell.silent.contains(cell.forward) || Cell.silent.contains(cell.reverse)
                    // A reverse wall whose PTB reaches the server is invisible to the TLS method (the flight arrives; its
                    // segment sizes cannot prove a PTB): only a forward one makes the path "degraded" here.
                    let expected = silent ? "blackhole" : cell.forward == .ptb ? "degraded" : "ok"
                    expect(
                        first.verdict == expected,
                        "diagnose verdict \(first.verdict), expected \(expected): \(json["headline"] as? String ?? "")")
                    expect(
                        first.forward == "\(cell.forward.verdict) \(cell.forwardPasses)",
                        "diagnose forward: \(first.forward)")
                    if Cell.silent.contains(cell.reverse) {
                        expect(first.reverse == "blackhole \(cell.reversePasses)", "diagnose reverse: \(first.reverse)")
                        expect(
                            first.cause == "reverse-wall (reverse)",
                            "diagnose cause \(first.cause): the TLS flight stalls on the way back")
                    } else if Cell.silent.contains(cell.forward) {
                        expect(
                            first.cause.hasSuffix("(forward)") || first.cause == "none",
                            "diagnose cause \(first.cause): only the forward direction black-holes")
                    }
                    if !Cell.silent.contains(cell.forward), Cell.silent.contains(cell.reverse) {
                        let blamed = (json["hypotheses"] as? [[String: Any]] ?? []).filter {
                            $0["direction"] as? String == "forward"
                                && ["confirmed", "likely"].contains($0["status"] as? String ?? "")
                        }
                        expect(
                            blamed.isEmpty,
                            "diagnose blames the forward direction for a reverse stall: \(blamed.compactMap { $0["id"] as? String })"
                        )
                    }
                    let (second, _) = try diagnose(truth)
                    expect(second == first, "diagnose twice: \(first) then \(second)")
                    if cell.forward == .ptb {
                        // Other traffic teaches the client the forward path MTU; the answer must not change.
                        _ = try LabSupport.inNamespace(
                            truth.namespaces["client"]!,
                            ["ping", "-M", "do", "-c", "1", "-W", "1", "-s", "8000", truth.server])
                        let learned = try LabSupport.inNamespace(
                            truth.namespaces["client"]!, ["ip", "route", "get", truth.server]
                        ).1!.stdout
                        expect(learned.contains("mtu \(cell.wall)"), "ping taught the client \(cell.wall): \(learned)")
                        let (taught, _) = try diagnose(truth)
                        expect(taught == first, "diagnose after the host learned \(cell.wall): \(first) then \(taught)")
                    }
                }
            } catch {
                problems.append("\(cell): \(error)")
            }
            return problems
        }

        @Test func everyFateBothWays() async throws {
            let cells = Self.cells(seed: Self.seed)
            print("matrix: seed \(Self.seed), \(cells.count) cells (replay with MTUD_MATRIX_SEED=\(Self.seed))")
            let clock = ContinuousClock()
            let start = clock.now
            final class Collected: @unchecked Sendable {
                let lock = NSLock()
                var problems: [String] = []
                var next = 0
            }
            let collected = Collected()
            // Five cells at a time (each lab is its own set of namespaces; the runs mostly wait on timeouts), on threads
            // of their own: blocking the test's cooperative thread would starve the async tests running beside it.
            let problems: [String] = await withCheckedContinuation { continuation in
                Thread.detachNewThread {
                    DispatchQueue.concurrentPerform(iterations: 5) { _ in
                        while true {
                            let index = collected.lock.withLock { () -> Int in
                                defer { collected.next += 1 }
                                return collected.next
                            }
                            guard index < cells.count else { return }
                            let found = Self.check(cells[index])
                            collected.lock.withLock { collected.problems += found }
                        }
                    }
                    continuation.resume(returning: collected.problems)
                }
            }
            print("matrix: \(cells.count) cells in \(clock.now - start), \(problems.count) problem(s)")
            for problem in problems { Issue.record(Comment(rawValue: "seed \(Self.seed): \(problem)")) }
        }
    }
}
