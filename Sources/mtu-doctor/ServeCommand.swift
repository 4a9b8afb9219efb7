import ArgumentParser
import Foundation
import Glibc
import MTUCore
import MTUProbe

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

    @Option(
        help:
            "Also serve TCP on this port: \"MTUD SEND <bytes> [token]\" gets that many bytes (with the token up to 4 MiB; without it no more than the client sent)."
    )
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
        guard rate.isFinite, rate >= 1, rate <= 1_000_000 else {
            throw fail("--rate: requests per second per source must be 1–1000000, got \(rate)")
        }
        if let duration, !(duration.isFinite && duration > 0) {
            throw fail("--duration: seconds must be a positive number, got \(duration)")
        }
        configuration.ratePerSecond = rate
        for text in allow {
            guard let network = IPNetwork(text) else {
                throw fail("--allow: expected a network such as 10.0.0.0/8 or fd00::/8, got '\(text)'")
            }
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
            print(
                "warning: no --token: anyone who reaches this port is answered (replies no larger than requests)\(allow.isEmpty ? "; no --allow either" : "")",
                to: &standardError)
        }
        print("serving reverse probes on UDP \(port)", to: &standardError)
        do {
            try responder.run { end.map { Date() >= $0 } ?? false }
        } catch {
            throw fail(error.description)
        }
    }
}
