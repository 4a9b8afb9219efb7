import ArgumentParser
import Foundation
import MTUDiagnose
import MTUProbe

/// `diagnose`'s flags, turned into the library's `DiagnoseOptions`.
struct DiagnoseArguments: ParsableArguments {
    @Option(help: "Per-probe timeout in milliseconds.")
    var timeout: Int = 1000

    @Flag(help: "Record the probe traffic with tcpdump on the route interface and analyse it.")
    var capture = false

    @Option(help: "Keep the capture (implies --capture) at this path.")
    var captureFile: String?

    @Option(help: "A topology file: compare what it says about this path with what the path does.")
    var topology: String?

    @Option(help: "The flow in --topology to compare with (default: the first flow to the target's address).")
    var flow: String?

    @Flag(inversion: .prefixedNo, help: "Run the TLS steps (default: for https:// and ports 443/6443).")
    var tls: Bool?

    @Option(help: "ICMP socket: raw, datagram or auto.")
    var socket: ProbeOptions.SocketKind = .auto

    @Flag(
        help:
            "Leave a path MTU this host already learned toward the target in place (by default it is set aside before the TCP tests: ip route flush cache, needs CAP_NET_ADMIN)."
    )
    var keepLearnedPmtu = false

    @Flag(help: "Refuse to run outside an mtud-* lab namespace (tests, demos).")
    var labOnly = false

    func validate() throws {
        guard (10...60000).contains(timeout) else { throw fail("--timeout must be 10–60000 ms, got \(timeout)") }
        if flow != nil, topology == nil { throw fail("--flow needs --topology") }
        if let topology, !FileManager.default.isReadableFile(atPath: topology) {
            throw fail("--topology: cannot read \(topology)")
        }
    }

    var options: DiagnoseOptions {
        var options = DiagnoseOptions()
        options.timeoutMilliseconds = timeout
        options.capture = capture || captureFile != nil
        options.captureFile = captureFile
        options.topologyPath = topology
        options.flow = flow
        options.tls = tls
        options.socket = socket
        options.keepLearnedPMTU = keepLearnedPmtu
        return options
    }
}
