import Foundation
import MTUCore
import MTULab
import MTUProbe
import MTUTestSupport
import Testing

/// Every suite that builds namespace labs, one at a time: a lab test blocks its thread for minutes, and several at once
/// would hold every thread of the cooperative pool (as many as cores), starving the async tests beside them (the
/// Kubernetes client's deadline tests). The suites inside keep their own traits.
@Suite("Namespace labs, one suite at a time", .serialized)
enum LabSuites {}

/// Lab tests need root (they create network namespaces). Without root they are skipped with a message — except
/// under CI (`CI=true`), where a skip would hide the most important tests, so it is a failure.
enum LabSupport {
    static let isRoot = geteuid() == 0
    static let underCI = ProcessInfo.processInfo.environment["CI"] == "true"

    static let binary = TestSupport.binary

    /// Builds a lab, runs `body`, and removes the lab whatever happens.
    static func withLab<T>(
        _ scenario: LabScenario, _ options: LabOptions = LabOptions(), _ body: (LabGroundTruth) throws -> T
    ) throws -> T {
        let truth = try Lab.up(scenario, options: options)
        defer { _ = try? Lab.down(prefix: truth.prefix) }
        return try body(truth)
    }

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs a command inside a lab namespace. Refuses any namespace that is not a lab's: probes never leave the lab.
    static func inNamespace(_ namespace: String, _ arguments: [String], wait: Bool = true) throws -> (Process, Output?)
    {
        guard namespace.hasPrefix("mtud-"), Lab.namespaces().contains(namespace) else {
            throw LabError("refusing to run outside a lab namespace: '\(namespace)'")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        process.arguments = ["netns", "exec", namespace] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["MTU_DOCTOR_LAB_ONLY"] = "1"
        process.environment = environment
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        guard wait else { return (process, nil) }
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (
            process,
            Output(
                status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                stderr: String(decoding: stderr, as: UTF8.self))
        )
    }

    /// Runs `body` while `mtu-doctor serve` (UDP 4790, TCP 4791, token "lab") runs on the lab's server; stops it by PID.
    static func withResponder<T>(_ truth: LabGroundTruth, _ body: () throws -> T) throws -> T {
        let server = try inNamespace(
            truth.namespaces["server"]!,
            [binary, "serve", "--tcp-port", "4791", "--token", "lab", "--duration", "120"], wait: false
        ).0
        defer {
            server.stop()
        }
        Thread.sleep(forTimeInterval: 0.3)
        return try body()
    }

    /// `mtu-doctor probe --json` from the lab's client, optionally with a responder on the server for the reverse.
    static func probe(_ truth: LabGroundTruth, reverse: Bool = true, extra: [String] = []) throws -> [String: Any] {
        var responder: Process?
        if reverse {
            responder = try inNamespace(
                truth.namespaces["server"]!, [binary, "serve", "--token", "lab", "--duration", "20"], wait: false
            ).0
            Thread.sleep(forTimeInterval: 0.3)
        }
        defer {
            responder?.stop()
        }
        var arguments = [binary, "probe", truth.server, "--json", "--lab-only"] + extra
        if reverse { arguments += ["--reverse-port", "4790", "--token", "lab"] }
        let output = try inNamespace(truth.namespaces["client"]!, arguments).1!
        guard let json = (try? JSONSerialization.jsonObject(with: Data(output.stdout.utf8))) as? [String: Any] else {
            throw LabError("probe printed no JSON (exit \(output.status)): \(output.stderr)")
        }
        let errors = try JSONSchema(file: "\(TestSupport.repositoryRoot)/docs/schema/probe.schema.json").validate(json)
        #expect(errors.isEmpty, "probe JSON against docs/schema/probe.schema.json: \(errors.prefix(5))")
        return json
    }
}

extension LabSuites {
    @Suite(
        "Labs and probes, end to end (root)", .serialized,
        .enabled(if: LabSupport.isRoot, "needs root to create network namespaces"))
    struct LabIntegrationTests {
        func forward(_ json: [String: Any]) -> [String: Any] { json["forward"] as? [String: Any] ?? [:] }
        func reverse(_ json: [String: Any]) -> [String: Any] { json["reverse"] as? [String: Any] ?? [:] }

        @Test(
            "svi: exact both ways, PTB source and the wall's hop",
            arguments: [1387, Int.random(in: 1280...8999), Int.random(in: 576...1500)])
        func svi(wall: Int) throws {
            try LabSupport.withLab(.svi, LabOptions(wall: wall)) { truth in
                let json = try LabSupport.probe(truth)
                let forward = forward(json)
                #expect(forward["pathMTU"] as? Int == wall, "wall \(wall)")
                #expect(forward["verdict"] as? String == "ptb")
                let ptb = forward["ptb"] as? [String: Any]
                #expect(ptb?["source"] as? String == truth.ptbSource)
                #expect(ptb?["mtu"] as? Int == wall)
                #expect(ptb?["rpfRisk"] as? Bool == false)
                let wallInfo = forward["wall"] as? [String: Any]
                #expect(wallInfo?["lastGoodHop"] as? String == truth.wallLastGoodHop)
                #expect(wallInfo?["firstBadHop"] as? String == truth.wallFirstBadHop)
                #expect(wallInfo?["ttl"] as? Int == truth.wallTTL)
                #expect(reverse(json)["pathMTU"] as? Int == wall)
                #expect(reverse(json)["method"] as? String == "serve-udp")
                #expect(reverse(json)["verdict"] as? String == "ptb")
                #expect((json["elapsedMs"] as? Int ?? 99999) < 5000)
            }
        }

        @Test func asymmetricWalls() throws {
            try LabSupport.withLab(.svi, LabOptions(wall: 4000, reverseWall: 1400)) { truth in
                let json = try LabSupport.probe(truth, extra: ["--no-wall"])
                #expect(forward(json)["pathMTU"] as? Int == 4000)
                #expect(reverse(json)["pathMTU"] as? Int == 1400)
            }
        }

        @Test(
            "svi-rpf: the PTB is eaten by strict rp_filter, and we say so",
            arguments: [1400, Int.random(in: 1280...8000)])
        func sviRPF(wall: Int) throws {
            try LabSupport.withLab(.sviRPF, LabOptions(wall: wall)) { truth in
                let json = try LabSupport.probe(truth, reverse: false)
                let forward = forward(json)
                #expect(forward["pathMTU"] as? Int == wall, "wall \(wall)")
                #expect(forward["verdict"] as? String == "blackhole")
                #expect(
                    (forward["rpFilterDrops"] as? Int ?? 0) > 0,
                    "IPReversePathFilter must show the PTBs arriving and being dropped")
                #expect((forward["ptb"] as? [String: Any])?["rpfRisk"] as? Bool == true)
                let wallInfo = forward["wall"] as? [String: Any]
                #expect(wallInfo?["lastGoodHop"] as? String == truth.wallLastGoodHop)
                #expect(wallInfo?["ttl"] as? Int == truth.wallTTL)
                #expect(wallInfo?["firstBadHop"] == nil, "hop 2's ICMP is eaten too: nothing to name")
                #expect((json["elapsedMs"] as? Int ?? 99999) <= 2500, "target: exact answer and verdict in about 2 s")
            }
        }

        @Test("blackhole: silence, no rp_filter drops", arguments: [1500, Int.random(in: 600...8500)])
        func blackhole(wall: Int) throws {
            try LabSupport.withLab(.blackhole, LabOptions(wall: wall)) { truth in
                let json = try LabSupport.probe(truth)
                let forward = forward(json)
                #expect(forward["pathMTU"] as? Int == wall)
                #expect(forward["verdict"] as? String == "blackhole")
                #expect(forward["rpFilterDrops"] as? Int == 0)
                #expect((forward["wall"] as? [String: Any])?["lastGoodHop"] as? String == truth.wallLastGoodHop)
                #expect(reverse(json)["pathMTU"] as? Int == wall)
                #expect(reverse(json)["verdict"] as? String == "blackhole")
            }
        }

        @Test(
            "unprivileged ICMP datagram sockets give the same answers",
            arguments: [LabScenario.svi, .sviRPF, .blackhole])
        func datagramSocket(scenario: LabScenario) throws {
            try LabSupport.withLab(scenario, LabOptions(wall: 1433)) { truth in
                let json = try LabSupport.probe(truth, reverse: false, extra: ["--socket", "datagram"])
                let forward = forward(json)
                #expect(forward["socket"] as? String == "datagram")
                #expect(forward["pathMTU"] as? Int == 1433)
                #expect(forward["verdict"] as? String == truth.forwardVerdict.rawValue)
                if scenario == .svi {
                    #expect((forward["ptb"] as? [String: Any])?["source"] as? String == truth.ptbSource)
                }
            }
        }

        @Test(
            "IPv6: the same chain, raw ICMPv6, PTB source and exact walls",
            arguments: [LabScenario.svi, .blackhole, .ok])
        func ipv6(scenario: LabScenario) throws {
            let wall = Int.random(in: 1280...8000)
            try LabSupport.withLab(scenario, LabOptions(wall: wall)) { truth in
                let server6 = try #require(truth.server6)
                let output = try LabSupport.inNamespace(
                    truth.namespaces["client"]!, [LabSupport.binary, "probe", server6, "--json", "--lab-only"]
                ).1!
                let json = try #require(
                    (try? JSONSerialization.jsonObject(with: Data(output.stdout.utf8))) as? [String: Any],
                    "\(output.stderr)")
                let forward = forward(json)
                #expect(forward["pathMTU"] as? Int == truth.forwardPathMTU6, "wall \(wall)")
                #expect(forward["verdict"] as? String == truth.forwardVerdict6?.rawValue)
                #expect((forward["ptb"] as? [String: Any])?["source"] as? String == truth.ptbSource6)
                #expect((json["elapsedMs"] as? Int ?? 99999) < 3000)
            }
        }

        @Test(
            "reverse by advertised MSS over TCP",
            arguments: [(LabScenario.svi, "ptb"), (.blackhole, "blackhole"), (.sviRPF, "blackhole"), (.ok, "ok")])
        func reverseByMSS(scenario: LabScenario, verdict: String) throws {
            let wall = Int.random(in: 1280...8000)
            try LabSupport.withLab(scenario, LabOptions(wall: wall)) { truth in
                try LabSupport.withResponder(truth) {
                    let output = try LabSupport.inNamespace(
                        truth.namespaces["client"]!,
                        [
                            LabSupport.binary, "probe", truth.server, "--reverse-tcp-port", "4791", "--token", "lab",
                            "--no-wall", "--json", "--lab-only",
                        ]
                    ).1!
                    let json = try #require(
                        (try? JSONSerialization.jsonObject(with: Data(output.stdout.utf8))) as? [String: Any],
                        "\(output.stderr)")
                    let reverse = reverse(json)
                    #expect(reverse["method"] as? String == "tcp-mss")
                    #expect(reverse["pathMTU"] as? Int == truth.reversePathMTU, "wall \(wall)")
                    #expect(reverse["verdict"] as? String == verdict)
                }
            }
        }

        @Test(
            "reverse with no agent: the server's own TLS flight",
            arguments: [(LabScenario.blackhole, true), (.sviRPF, true), (.svi, false), (.ok, false)])
        func reverseByTLSFlight(scenario: LabScenario, blackHole: Bool) throws {
            let wall = Int.random(in: 1280...4000)
            try LabSupport.withLab(scenario, LabOptions(wall: wall, https: true)) { truth in
                let output = try LabSupport.inNamespace(
                    truth.namespaces["client"]!,
                    [
                        LabSupport.binary, "probe", "https://\(truth.server)", "--reverse-tls", "--no-wall", "--json",
                        "--lab-only",
                    ]
                ).1!
                let json = try #require(
                    (try? JSONSerialization.jsonObject(with: Data(output.stdout.utf8))) as? [String: Any],
                    "\(output.stderr)")
                let reverse = reverse(json)
                #expect(reverse["method"] as? String == "tls-mss")
                if blackHole {
                    #expect(reverse["pathMTU"] as? Int == wall, "wall \(wall)")
                    #expect(reverse["verdict"] as? String == "blackhole")
                } else {
                    #expect(reverse["verdict"] as? String == "ok")
                    #expect(reverse["pathMTU"] == nil, "no size is claimed that was not measured")
                }
            }
        }

        /// As `nobody`: a raw socket is refused with the way to grant it; the default falls back to an ICMP datagram
        /// socket (the labs open `ping_group_range`) and still finds the wall.
        @Test func unprivilegedUser() throws {
            // A copy of the binary that `nobody` can run, wherever the checkout lives.
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mtud-bin-\(getpid())")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let copy = directory.appendingPathComponent("mtu-doctor").path
            try FileManager.default.copyItem(atPath: LabSupport.binary, toPath: copy)
            chmod(directory.path, 0o755)
            chmod(copy, 0o755)
            try LabSupport.withLab(.svi, LabOptions(wall: 1433)) { truth in
                let asNobody = [
                    "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", copy, "probe", truth.server,
                    "--no-wall", "--lab-only",
                ]
                let raw = try LabSupport.inNamespace(truth.namespaces["client"]!, asNobody + ["--socket", "raw"]).1!
                #expect(raw.status == 77)
                #expect(raw.stderr.contains("setcap cap_net_raw+ep"))
                let auto = try LabSupport.inNamespace(truth.namespaces["client"]!, asNobody + ["--json"]).1!
                let json = try #require(
                    (try? JSONSerialization.jsonObject(with: Data(auto.stdout.utf8))) as? [String: Any],
                    "\(auto.stderr)")
                #expect(forward(json)["socket"] as? String == "datagram")
                #expect(forward(json)["pathMTU"] as? Int == 1433)
            }
        }

        /// A forger on the router answers every large probe with a "fragmentation needed" claiming MTU 68, quoting the
        /// probe exactly. The answer must not move: sizes decide, and a PTB below 552 settles nothing on its own.
        @Test func forgedPTBClaiming68() throws {
            let forger = """
                import socket, struct, sys
                client, router = sys.argv[1], sys.argv[2]
                sniff = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x0800))
                sniff.bind(("r2a", 0x0800))
                out = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
                def checksum(data):
                    if len(data) % 2: data += b"\\0"
                    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
                    while total >> 16: total = (total & 0xffff) + (total >> 16)
                    return (~total) & 0xffff
                while True:
                    packet = sniff.recv(65535)
                    if len(packet) < 28 or packet[9] != 1 or socket.inet_ntoa(packet[12:16]) != client: continue
                    header = (packet[0] & 15) * 4
                    if packet[header] != 8 or struct.unpack("!H", packet[2:4])[0] <= 1000: continue
                    body = packet[:header + 8]
                    icmp = struct.pack("!BBHHH", 3, 4, 0, 0, 68) + body
                    icmp = icmp[:2] + struct.pack("!H", checksum(icmp)) + icmp[4:]
                    out.sendto(icmp, (client, 0))
                """
            try LabSupport.withLab(.svi, LabOptions(wall: 1433)) { truth in
                // Slow the server's replies (a 2 Mbit/s bucket) so the forged PTBs arrive before the genuine answers.
                _ = try LabSupport.inNamespace(
                    truth.namespaces["server"]!,
                    [
                        "tc", "qdisc", "add", "dev", "s0", "root", "tbf", "rate", "2mbit", "burst", "1600", "latency",
                        "3s",
                    ])
                let script = FileManager.default.temporaryDirectory.appendingPathComponent("mtud-forger-\(getpid()).py")
                    .path
                try forger.write(toFile: script, atomically: true, encoding: .utf8)
                defer { try? FileManager.default.removeItem(atPath: script) }
                let process = try LabSupport.inNamespace(
                    truth.namespaces["r2"]!, ["python3", script, truth.client, "10.77.2.2"], wait: false
                ).0
                defer {
                    process.stop()
                }
                Thread.sleep(forTimeInterval: 0.3)
                let json = try LabSupport.probe(truth, reverse: false, extra: ["--no-wall", "--timeout", "3000"])
                let forward = forward(json)
                #expect(forward["pathMTU"] as? Int == 1433)
                #expect(forward["verdict"] as? String == "ptb")
                let ladder = forward["ladder"] as? [[String: Any]] ?? []
                #expect(
                    ladder.contains {
                        ($0["size"] as? Int ?? 0) > 1000 && ($0["size"] as? Int ?? 0) <= 1433
                            && $0["outcome"] as? String == "passed"
                    })
                #expect((forward["ptb"] as? [String: Any])?["mtu"] as? Int == 1433, "the real PTB, not the forged one")
            }
        }

        @Test(
            "forward over TCP, for paths that filter ICMP",
            arguments: [(LabScenario.svi, "ptb"), (.blackhole, "blackhole"), (.sviRPF, "blackhole"), (.ok, "ok")])
        func forwardOverTCP(scenario: LabScenario, verdict: String) throws {
            let wall = Int.random(in: 1280...8000)
            try LabSupport.withLab(scenario, LabOptions(wall: wall, https: true)) { truth in
                let json = try LabSupport.probe(truth, reverse: false, extra: ["--tcp-port", "443", "--no-wall"])
                let forward = forward(json)
                #expect(forward["socket"] as? String == "tcp")
                #expect(forward["pathMTU"] as? Int == truth.forwardPathMTU, "wall \(wall)")
                #expect(forward["verdict"] as? String == verdict)
            }
        }

        @Test(
            "forward with UDP to closed ports, paced for the target's rate limit",
            arguments: [(LabScenario.svi, "ptb"), (.blackhole, "blackhole"), (.ok, "ok")])
        func forwardOverUDP(scenario: LabScenario, verdict: String) throws {
            let wall = Int.random(in: 1280...8000)
            try LabSupport.withLab(scenario, LabOptions(wall: wall)) { truth in
                let json = try LabSupport.probe(truth, reverse: false, extra: ["--udp", "--no-wall"])
                let forward = forward(json)
                #expect(forward["socket"] as? String == "udp")
                #expect(forward["pathMTU"] as? Int == truth.forwardPathMTU, "wall \(wall)")
                #expect(forward["verdict"] as? String == verdict)
            }
        }

        @Test("IPv6 unavailable: a clear message, nothing sent")
        func ipv6Unavailable() throws {
            try LabSupport.withLab(.overlay, LabOptions(wall: 1500)) { truth in
                let output = try LabSupport.inNamespace(
                    truth.namespaces["client"]!, [LabSupport.binary, "probe", "fd77:3::2", "--lab-only"]
                ).1!
                #expect(output.status == 2)
                #expect(output.stderr == "mtu-doctor: error: no route to fd77:3::2\n")
            }
        }

        /// Time-exceeded messages are rate limited per destination; "fragmentation needed" never is on Linux. With r2
        /// allowing one ICMP per minute, repeated probes stay exact; only the wall's hop names thin out.
        @Test func icmpRateLimitedRouter() throws {
            try LabSupport.withLab(.svi, LabOptions(wall: 1433)) { truth in
                _ = try LabSupport.inNamespace(
                    truth.namespaces["r2"]!,
                    [
                        "sysctl", "-qw", "net.ipv4.icmp_ratelimit=60000", "net.ipv4.icmp_msgs_per_sec=1",
                        "net.ipv4.icmp_msgs_burst=1",
                    ])
                for run in 0..<4 {
                    let json = try LabSupport.probe(truth, reverse: false)
                    #expect(forward(json)["pathMTU"] as? Int == 1433)
                    #expect(forward(json)["verdict"] as? String == "ptb")
                    // After the first run the client has learned 1433: reported, and looked past (not a false "ok").
                    if run > 0 { #expect(forward(json)["cachedPMTU"] as? Int == 1433) }
                }
            }
        }

        /// Without the token every reply is paid for by an equally large request: with the way there (2000)
        /// narrower than the way back (4000), what the responder is asked for above the forward wall may never reach
        /// it. The reverse is then partial up to what was seen, or the real 3950 when the requests got through — never
        /// a reverse wall at the forward one's 1950.
        @Test func tokenlessReverseDoesNotMistakeTheForwardWall() throws {
            try LabSupport.withLab(
                .overlay, LabOptions(wall: 2000, reverseWall: 4000, outerDF: "set", asymmetric: true)
            ) { truth in
                try LabSupport.withResponder(truth) {
                    let run = try LabSupport.inNamespace(
                        truth.namespaces["client"]!,
                        [
                            LabSupport.binary, "probe", truth.server, "--reverse-port", "4790", "--no-wall", "--json",
                            "--lab-only",
                        ]
                    ).1!
                    let json = try #require(
                        (try? JSONSerialization.jsonObject(with: Data(run.stdout.utf8))) as? [String: Any],
                        "\(run.stderr)")
                    let back = reverse(json)
                    #expect(forward(json)["pathMTU"] as? Int == 1950, "\(json)")
                    let verdict = back["verdict"] as? String
                    let honest =
                        (verdict == "partial" && back["measuredUpTo"] as? Int == 1950)
                        || (back["pathMTU"] as? Int == 3950 && verdict != "partial")
                    #expect(honest, "\(back)")
                }
            }
        }

        /// Asymmetric underlay: the way there crosses a 4000 wall, the way back a 2000 one (VXLAN, outer DF set). Echo
        /// probes see the smaller (their replies come back); TCP probes measure the way there alone; the responder the
        /// way back.
        @Test func overlayAsymmetricPath() throws {
            try LabSupport.withLab(
                .overlay, LabOptions(wall: 4000, reverseWall: 2000, outerDF: "set", asymmetric: true)
            ) { truth in
                #expect(truth.namespaces["router-back"] != nil)
                try LabSupport.withResponder(truth) {
                    let client = truth.namespaces["client"]!
                    let tcp = try LabSupport.inNamespace(
                        client,
                        [
                            LabSupport.binary, "probe", truth.server, "--tcp-port", "4791", "--reverse-port", "4790",
                            "--token", "lab", "--no-wall", "--json", "--lab-only",
                        ]
                    ).1!
                    let json = try #require(
                        (try? JSONSerialization.jsonObject(with: Data(tcp.stdout.utf8))) as? [String: Any],
                        "\(tcp.stderr)")
                    #expect(forward(json)["pathMTU"] as? Int == 3950)
                    #expect(reverse(json)["pathMTU"] as? Int == 1950)
                    let echo = try LabSupport.inNamespace(
                        client, [LabSupport.binary, "probe", truth.server, "--no-wall", "--json", "--lab-only"]
                    ).1!
                    let echoJSON = try #require(
                        (try? JSONSerialization.jsonObject(with: Data(echo.stdout.utf8))) as? [String: Any])
                    // The echo replies die on the way back at 1950; a one-way check shows the requests pass to 3950, and
                    // the lost replies become the reverse evidence.
                    #expect(forward(echoJSON)["pathMTU"] as? Int == 3950)
                    #expect(forward(echoJSON)["oneWay"] as? String == "replies-lost")
                    #expect(reverse(echoJSON)["method"] as? String == "echo-replies")
                    #expect(reverse(echoJSON)["pathMTU"] as? Int == 1950)
                }
            }
        }

        /// Every method over IPv6 on one black-hole lab, in the order that once stalled the responder: TCP forward probes
        /// whose data is black-holed first (their connections must not hold up the next client), then the reverse.
        @Test("every method over IPv4 and IPv6", arguments: ["10.77.3.2", "fd77:3::2"])
        func everyMethod(target: String) throws {
            try LabSupport.withLab(.blackhole, LabOptions(wall: 1433, https: true)) { truth in
                try LabSupport.withResponder(truth) {
                    let client = truth.namespaces["client"]!
                    func run(_ arguments: [String]) throws -> [String: Any] {
                        let output = try LabSupport.inNamespace(
                            client, [LabSupport.binary, "probe"] + arguments + ["--no-wall", "--json", "--lab-only"]
                        ).1!
                        return try #require(
                            (try? JSONSerialization.jsonObject(with: Data(output.stdout.utf8))) as? [String: Any],
                            "\(arguments): \(output.stderr)")
                    }
                    for (arguments, key, method) in [
                        ([target, "--socket", "datagram"], "forward", "datagram"),
                        ([target, "--tcp-port", "4791"], "forward", "tcp"),
                        ([target, "--reverse-tcp-port", "4791", "--token", "lab"], "reverse", "tcp-mss"),
                        ([target, "--reverse-port", "4790", "--token", "lab"], "reverse", "serve-udp"),
                        (["https://[\(target)]", "--reverse-tls"], "reverse", "tls-mss"),
                    ] {
                        let json = try run(arguments)
                        let direction = json[key] as? [String: Any] ?? [:]
                        #expect(direction["pathMTU"] as? Int == 1433, "\(arguments)")
                        #expect(direction["verdict"] as? String == "blackhole", "\(arguments)")
                        #expect(
                            (direction[key == "forward" ? "socket" : "method"] as? String) == method, "\(arguments)")
                        if arguments[0].hasPrefix("https") {
                            #expect((json["tls"] as? [String: Any])?["handshake"] as? String == "stalled")
                            #expect((json["tls"] as? [String: Any])?["plainHTTPStatus"] as? Int == 400)
                        }
                    }
                }
            }
        }

        @Test func okIsOK() throws {
            try LabSupport.withLab(.ok) { truth in
                let json = try LabSupport.probe(truth)
                #expect(forward(json)["pathMTU"] as? Int == 9000)
                #expect(forward(json)["verdict"] as? String == "ok")
                #expect(reverse(json)["pathMTU"] as? Int == 9000)
                #expect(reverse(json)["verdict"] as? String == "ok")
            }
        }

        @Test func exactUnderFivePercentLoss() throws {
            try LabSupport.withLab(.svi, LabOptions(wall: 1441)) { truth in
                _ = try LabSupport.inNamespace(
                    truth.namespaces["r1"]!,
                    [
                        "iptables", "-A", "FORWARD", "-m", "statistic", "--mode", "random", "--probability", "0.05",
                        "-j", "DROP",
                    ])
                let json = try LabSupport.probe(truth, reverse: false, extra: ["--no-wall"])
                #expect(forward(json)["pathMTU"] as? Int == 1441)
            }
        }

        @Test(
            "overlay with outer DF set: the pod's packets die silently past wall − 50",
            arguments: [1500, Int.random(in: 1400...8000)])
        func overlayDFSet(wall: Int) throws {
            try LabSupport.withLab(.overlay, LabOptions(wall: wall, outerDF: "set")) { truth in
                let json = try LabSupport.probe(truth)
                #expect(forward(json)["pathMTU"] as? Int == wall - 50)
                #expect(forward(json)["verdict"] as? String == "blackhole")
                #expect(reverse(json)["pathMTU"] as? Int == wall - 50)
            }
        }

        @Test func overlayDFUnsetFragments() throws {
            try LabSupport.withLab(.overlay, LabOptions(wall: 1500, outerDF: "unset")) { truth in
                let json = try LabSupport.probe(truth, reverse: false, extra: ["--no-wall"])
                #expect(forward(json)["pathMTU"] as? Int == 8950)
                #expect(forward(json)["verdict"] as? String == "ok")
            }
        }

        @Test func transitGateway() throws {
            try LabSupport.withLab(.tgw) { truth in
                let json = try LabSupport.probe(truth)
                #expect(truth.forwardPathMTU == 8450)
                #expect(forward(json)["pathMTU"] as? Int == 8450)
                #expect(forward(json)["verdict"] as? String == "blackhole", "the ICMP reaches the node, never the pod")
                #expect(reverse(json)["pathMTU"] as? Int == 8450)
            }
        }

        @Test func pingAgreesWhereItCan() throws {
            guard FileManager.default.isExecutableFile(atPath: "/usr/bin/ping") else {
                if LabSupport.underCI { Issue.record("ping (iputils-ping) is missing under CI") }
                return
            }
            try LabSupport.withLab(.svi, LabOptions(wall: 1433)) { truth in
                let client = truth.namespaces["client"]!
                let pass = try LabSupport.inNamespace(
                    client, ["ping", "-n", "-c", "1", "-W", "1", "-M", "do", "-s", String(1433 - 28), truth.server]
                ).1!
                let fail = try LabSupport.inNamespace(
                    client, ["ping", "-n", "-c", "1", "-W", "1", "-M", "do", "-s", String(1433 - 27), truth.server]
                ).1!
                #expect(pass.status == 0)
                #expect(fail.status != 0)
                let json = try LabSupport.probe(truth, reverse: false, extra: ["--no-wall"])
                #expect(forward(json)["pathMTU"] as? Int == 1433)
                // tracepath is right where the PTB comes back.
                if FileManager.default.isExecutableFile(atPath: "/usr/bin/tracepath") {
                    let trace = try LabSupport.inNamespace(client, ["tracepath", "-n", truth.server]).1!
                    #expect(trace.stdout.contains("pmtu 1433"), "\(trace.stdout)")
                } else if LabSupport.underCI {
                    Issue.record("tracepath (iputils-tracepath) is missing under CI")
                }
            }
        }

        @Test func unresolvableName() throws {
            // Inside a lab namespace no resolver is reachable, so nothing leaves the lab.
            try LabSupport.withLab(.ok) { truth in
                let output = try LabSupport.inNamespace(
                    truth.namespaces["client"]!, [LabSupport.binary, "probe", "no-such-host.invalid", "--lab-only"]
                ).1!
                #expect(output.status == 2)
                #expect(output.stderr.hasPrefix("mtu-doctor: error: cannot resolve 'no-such-host.invalid'"))
            }
        }

        @Test(
            "TLS signature: TCP connects, the certificate flight stalls", arguments: [LabScenario.blackhole, .sviRPF])
        func tlsStalls(scenario: LabScenario) throws {
            let pid = try LabSupport.withLab(scenario, LabOptions(wall: 1500, https: true)) { truth in
                let output = try LabSupport.inNamespace(
                    truth.namespaces["client"]!,
                    [LabSupport.binary, "probe", "https://\(truth.server)", "--json", "--lab-only", "--no-wall"]
                ).1!
                #expect(output.status == 1)
                let json = try #require(
                    (try? JSONSerialization.jsonObject(with: Data(output.stdout.utf8))) as? [String: Any])
                let tls = try #require(json["tls"] as? [String: Any])
                #expect(tls["connectMs"] as? Int != nil, "TCP connects")
                #expect(tls["handshake"] as? String == "stalled")
                #expect((tls["conclusion"] as? String)?.contains("stalls") == true)
                #expect(forward(json)["pathMTU"] as? Int == 1500)
                return truth.httpsPID
            }
            #expect(pid.map { kill($0, 0) != 0 } ?? false, "the HTTPS server is gone with the lab")
        }

        @Test func tlsCompletesOnAConsistentPath() throws {
            try LabSupport.withLab(.ok, LabOptions(https: true)) { truth in
                let pid = try #require(truth.httpsPID)
                let output = try LabSupport.inNamespace(
                    truth.namespaces["client"]!,
                    [
                        LabSupport.binary, "probe", truth.server, "--tls-port", "443", "--json", "--lab-only",
                        "--no-wall",
                    ]
                ).1!
                #expect(output.status == 0)
                let json = try #require(
                    (try? JSONSerialization.jsonObject(with: Data(output.stdout.utf8))) as? [String: Any])
                let tls = try #require(json["tls"] as? [String: Any])
                #expect(tls["handshake"] as? String == "ok")
                #expect((tls["certificateBytes"] as? Int ?? 0) >= 4096, "the lab's chain is over 4 KB")
                _ = try Lab.down(prefix: truth.prefix)
                #expect(kill(pid, 0) != 0, "lab down stops the HTTPS server it started")
            }
        }

        @Test func labsLeaveNothingBehind() throws {
            let before = Set(Lab.namespaces())
            let truth = try Lab.up(.svi)
            #expect(Lab.namespaces().filter { $0.hasPrefix(truth.prefix) }.count == 4)
            _ = try Lab.down(prefix: truth.prefix)
            #expect(Set(Lab.namespaces()) == before)
            // A failing build removes what it made: an impossible wall is refused before anything is created.
            #expect(throws: LabError.self) { try Lab.up(.svi, options: LabOptions(wall: 50)) }
            #expect(Set(Lab.namespaces()) == before)
        }

        @Test func probesRefuseToRunOutsideALab() throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: LabSupport.binary)
            process.arguments = ["probe", "10.77.3.2", "--lab-only"]
            let err = Pipe()
            process.standardError = err
            process.standardOutput = Pipe()
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationStatus == 2)
            #expect(
                String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).contains("--lab-only"))
        }
    }
}

@Suite struct LabPolicy {
    @Test func ciRunsTheLabTests() {
        if LabSupport.underCI {
            #expect(LabSupport.isRoot, "under CI the namespace-lab tests must run: run the tests as root")
        }
    }
}
