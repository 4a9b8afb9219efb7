import ArgumentParser
import Foundation
import MTUCore
import MTUProbe
import MTUReport

enum MTUCoreSuggestion {
    static func didYouMean(_ word: String, _ candidates: [String]) -> String { Suggestion.didYouMean(word, in: candidates) }
}

struct ProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Measure a live path to the byte: forward DF search, the wall's hop, and (with `serve` on the far side) the reverse.",
        discussion: """
            Forward: ICMP echo with DF from a raw socket (root or CAP_NET_RAW), a coarse ladder of sizes in parallel, \
            then every size in the gap, then repeats at the boundary. Each failing size is classified: ptb (with the \
            router's address and whether this host's rp_filter would drop it), local-limit, or blackhole (silence; \
            with IPReversePathFilter drops counted when a PTB arrived and was discarded here).

            Examples:
              mtu-doctor probe 10.77.3.2
              mtu-doctor probe 10.77.3.2 --reverse-port 4790 --token s3cret --json
            """
    )

    @Argument(help: "Host name, IPv4 address or URL.")
    var target: String

    @Option(help: "Per-probe timeout in milliseconds.")
    var timeout: Int = 1000

    @Option(help: "Largest size to try (default: the route MTU toward the target).")
    var max: Int?

    @Option(help: "UDP port of an `mtu-doctor serve` responder on the target, to measure the reverse direction.")
    var reversePort: UInt16?

    @Option(help: "TCP port of `mtu-doctor serve --tcp-port` on the target: measure the reverse direction by advertised MSS.")
    var reverseTcpPort: UInt16?

    @Option(help: "Probe the forward direction over TCP to this port (one full segment per probed size) instead of ICMP echo.")
    var tcpPort: UInt16?

    @Flag(help: "Probe the forward direction with UDP datagrams to closed ports, as tracepath does (slow: targets rate-limit port unreachables).")
    var udp = false

    @Flag(help: "Measure the reverse direction with the HTTPS server's own TLS first flight and chosen MSS values (no agent needed).")
    var reverseTls = false

    @Option(help: "The responder's shared token (lets small requests ask for large replies).")
    var token: String?

    @Option(help: "Run the HTTPS signature (connect, plain HTTP, TLS handshake) against this TCP port first (implied by an https:// URL).")
    var tlsPort: UInt16?

    @Option(help: "ICMP socket: raw (root or CAP_NET_RAW), datagram (unprivileged, needs ping_group_range), or auto.")
    var socket: ProbeOptions.SocketKind = .auto

    @Flag(help: "Skip locating the wall with TTL-limited probes.")
    var noWall = false

    @Flag(help: "Leave a path MTU this host already learned toward the target in place. By default it is set aside (ip route flush cache, needs CAP_NET_ADMIN) when a TCP method runs, because TCP cannot measure past it; kept, those methods say what they could not measure.")
    var keepLearnedPmtu = false

    @Flag(help: "Refuse to run outside a network namespace other than the host's (used by tests and labs).")
    var labOnly = false

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard (10...60000).contains(timeout) else { throw fail("--timeout must be 10–60000 ms, got \(timeout)") }
        if let max, !(68...65535).contains(max) { throw fail("--max must be 68–65535, got \(max)") }
    }

    func run() throws {
        try requireLabNamespace(labOnly)
        var options = ProbeOptions()
        options.timeoutMilliseconds = timeout
        options.maximum = max
        options.locateWall = !noWall
        options.reversePort = reversePort
        options.reverseTCPPort = reverseTcpPort
        options.reverseTLS = reverseTls
        options.forwardTCPPort = tcpPort
        options.forwardUDP = udp
        options.token = Array((token ?? "").utf8)
        options.tlsPort = tlsPort
        options.socket = socket
        options.keepLearnedPMTU = keepLearnedPmtu
        options.progress = Progress.reporter()
        let report: ProbeReport
        do {
            report = try Probe.run(target: target, options: options)
        } catch {
            Progress.clear()
            throw fail(error.description, code: error.code == .noPrivilege ? 77 : 2)
        }
        Progress.clear()
        try output.emit(text: { ProbeText.render(report) }, json: { JSONReport.render(report, command: "probe") }, document: { Documents.probe(report) })
        let bad = ["blackhole", "unreachable"]
        if bad.contains(report.forward.verdict) || bad.contains(report.reverse.verdict ?? "") || report.tls?.handshake == "stalled" { throw ExitCode(1) }
    }
}

enum ProbeText {
    static func render(_ report: ProbeReport) -> String {
        var lines = ["mtu-doctor probe \(report.target) (\(report.address)): \(report.probesSent) probes, \(report.elapsedMs) ms"]
        if let tls = report.tls {
            lines.append("  tls      port \(tls.port): connect \(tls.connectMs.map { "\($0) ms" } ?? "failed"), plain HTTP \(tls.plainHTTPStatus.map(String.init) ?? "no answer"), handshake \(tls.handshake)\(tls.certificateBytes.map { ", certificate chain \($0) bytes" } ?? "")")
            lines.append("           \(tls.conclusion)")
        }
        let forward = report.forward
        lines.append("  forward  path MTU \(forward.pathMTU.map(String.init) ?? "—")  \(forward.verdict)")
        lines.append("           \(forward.explanation)")
        if let wall = forward.wall, forward.pathMTU != nil, forward.verdict != "ok" {
            let next = wall.firstBadHop.map { "never \($0)" } ?? "then vanish; hop \(wall.ttl.map(String.init) ?? "?") never answers at all (its ICMP does not reach us)"
            lines.append("           wall: large packets reach \(wall.lastGoodHop ?? "?") (hop \((wall.ttl ?? 1) - 1)) and \(next) (TTL \(wall.ttl.map(String.init) ?? "?"))")
        }
        let reverse = report.reverse
        lines.append("  reverse  path MTU \(reverse.pathMTU.map(String.init) ?? "—")  \(reverse.verdict ?? reverse.method)")
        lines.append("           \(reverse.explanation)")
        return lines.joined(separator: "\n")
    }
}

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Answer reverse-path probes: UDP replies of requested sizes with DF, never an amplifier.",
        discussion: """
            A reply is never larger than its request unless the request carries --token, over UDP and TCP alike \
            (status replies included). Each source is rate limited and holds at most 256 of the 1024 TCP slots (a full \
            table evicts the biggest holder's oldest idle connection); a TCP client has 2 s to send its request and \
            5 s to take the reply, then it is reset. With --allow, only those \
            networks are answered. Without --token, a warning says that anyone who reaches the port is answered.

            Examples:
              mtu-doctor serve --port 4790 --token s3cret --allow 10.0.0.0/8
            """
    )

    @Option(help: "UDP port to listen on.")
    var port: UInt16 = 4790

    @Option(help: "Also serve TCP on this port: \"MTUD SEND <bytes> [token]\" gets that many bytes (with the token up to 4 MiB; without it no more than the client sent).")
    var tcpPort: UInt16?

    @Option(help: "Shared token that lets small requests ask for large replies.")
    var token: String?

    @Option(name: .customLong("allow"), help: "Answer only these networks, IPv4 or IPv6 (repeatable).")
    var allow: [String] = []

    @Option(help: "Requests per second per source.")
    var rate: Double = 500

    @Option(help: "Stop after this many seconds (default: run until killed).")
    var duration: Double?

    func run() throws {
        var configuration = Responder.Configuration()
        configuration.port = port
        configuration.tcpPort = tcpPort
        configuration.token = Array((token ?? "").utf8)
        guard rate.isFinite, rate >= 1, rate <= 1_000_000 else { throw fail("--rate: requests per second per source must be 1–1000000, got \(rate)") }
        if let duration, !(duration.isFinite && duration > 0) { throw fail("--duration: seconds must be a positive number, got \(duration)") }
        configuration.ratePerSecond = rate
        for text in allow {
            guard let network = IPNetwork(text) else { throw fail("--allow: expected a network such as 10.0.0.0/8 or fd00::/8, got '\(text)'") }
            configuration.allowed.append(network)
        }
        let responder: Responder
        do {
            responder = try Responder(configuration)
        } catch {
            throw fail(error.description)
        }
        // A parent may have left SIGTERM/SIGINT ignored (ignored dispositions survive exec): a server must stop when told.
        signal(SIGTERM, SIG_DFL)
        signal(SIGINT, SIG_DFL)
        // …or blocked (a blocked mask survives exec too).
        var unblock = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, SIGTERM)
        sigaddset(&unblock, SIGINT)
        sigprocmask(SIG_UNBLOCK, &unblock, nil)
        let end = duration.map { Date().addingTimeInterval($0) }
        var standardError = StandardError()
        if token == nil {
            print("warning: no --token: anyone who reaches this port is answered (replies no larger than requests)\(allow.isEmpty ? "; no --allow either" : "")", to: &standardError)
        }
        print("serving reverse probes on UDP \(port)", to: &standardError)
        do {
            try responder.run { end.map { Date() >= $0 } ?? false }
        } catch {
            throw fail(error.description)
        }
    }
}

extension ProbeOptions.SocketKind: ExpressibleByArgument {}
