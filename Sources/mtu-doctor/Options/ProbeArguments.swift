import ArgumentParser
import MTUProbe

/// `probe`'s measuring flags, turned into the library's `ProbeOptions`.
struct ProbeArguments: ParsableArguments {
    @Option(help: "Per-probe timeout in milliseconds.")
    var timeout: Int = 1000

    @Option(help: "Largest size to try (default: the route MTU toward the target).")
    var max: Int?

    @Option(help: "UDP port of an `mtu-doctor serve` responder on the target, to measure the reverse direction.")
    var reversePort: UInt16?

    @Option(
        help:
            "TCP port of `mtu-doctor serve --tcp-port` on the target: measure the reverse direction by advertised MSS.")
    var reverseTcpPort: UInt16?

    @Option(
        help:
            "Probe the forward direction over TCP to this port (one full segment per probed size) instead of ICMP echo."
    )
    var tcpPort: UInt16?

    @Flag(
        help:
            "Probe the forward direction with UDP datagrams to closed ports, as tracepath does (slow: targets rate-limit port unreachables)."
    )
    var udp = false

    @Flag(
        help:
            "Measure the reverse direction with the HTTPS server's own TLS first flight and chosen MSS values (no agent needed)."
    )
    var reverseTls = false

    @Option(help: "The responder's shared token (lets small requests ask for large replies).")
    var token: String?

    @Option(
        help:
            "Run the HTTPS signature (connect, plain HTTP, TLS handshake) against this TCP port first (implied by an https:// URL)."
    )
    var tlsPort: UInt16?

    @Option(help: "ICMP socket: raw (root or CAP_NET_RAW), datagram (unprivileged, needs ping_group_range), or auto.")
    var socket: ProbeOptions.SocketKind = .auto

    @Flag(help: "Skip locating the wall with TTL-limited probes.")
    var noWall = false

    @Flag(
        help:
            "Leave a path MTU this host already learned toward the target in place. By default it is set aside (ip route flush cache, needs CAP_NET_ADMIN) when a TCP method runs, because TCP cannot measure past it; kept, those methods say what they could not measure."
    )
    var keepLearnedPmtu = false

    @Flag(help: "Refuse to run outside a network namespace other than the host's (used by tests and labs).")
    var labOnly = false

    func validate() throws {
        guard (10...60000).contains(timeout) else { throw fail("--timeout must be 10–60000 ms, got \(timeout)") }
        if let max, !(68...65535).contains(max) { throw fail("--max must be 68–65535, got \(max)") }
    }

    var options: ProbeOptions {
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
        return options
    }
}

extension ProbeOptions.SocketKind: ExpressibleByArgument {}
