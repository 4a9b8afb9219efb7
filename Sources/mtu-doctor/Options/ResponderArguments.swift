import ArgumentParser
import MTUCore
import MTUProbe

/// `serve`'s flags, turned into the responder's configuration.
struct ResponderArguments: ParsableArguments {
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

    func validate() throws {
        guard rate.isFinite, rate >= 1, rate <= 1_000_000 else {
            throw fail("--rate: requests per second per source must be 1–1000000, got \(rate)")
        }
        if let duration, !(duration.isFinite && duration > 0) {
            throw fail("--duration: seconds must be a positive number, got \(duration)")
        }
        if let bad = allow.first(where: { IPNetwork($0) == nil }) {
            throw fail("--allow: expected a network such as 10.0.0.0/8 or fd00::/8, got '\(bad)'")
        }
    }

    var configuration: Responder.Configuration {
        var configuration = Responder.Configuration()
        configuration.port = port
        configuration.tcpPort = tcpPort
        configuration.token = Array((token ?? "").utf8)
        configuration.ratePerSecond = rate
        configuration.allowed = allow.compactMap(IPNetwork.init)
        return configuration
    }
}
