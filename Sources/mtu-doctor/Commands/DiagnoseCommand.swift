import ArgumentParser
import MTUCore
import MTUDiagnose
import MTUReport

struct DiagnoseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diagnose",
        abstract: "From \"the TLS handshake times out\" to the cause, what was ruled out, and the fix — in one run.",
        discussion: """
            Runs, in order and with progress on a terminal: DNS, TCP connect, a plain request and the TLS handshake \
            (for https:// targets and ports 443/6443), the forward DF search to the byte, the wall's hop (TTL-limited \
            probes), what happened to the ICMP (arrived, dropped by rp_filter, never came), the reverse direction (the \
            server's own TLS flight by advertised MSS), and this host's facts (route and interface MTU, rp_filter, \
            tcp_mtu_probing, MSS clamps, tunnel devices). The evidence is ranked into causes, each with what speaks for \
            and against it; usual suspects (DNS, certificates, RBAC, the load balancer, BFD) are ruled out with the \
            reason. Needs root or CAP_NET_RAW, or an ICMP datagram socket (ping_group_range).

            Exit status: 0 no MTU problem, 1 an MTU problem (or not an MTU problem but a failure), 2 bad input, \
            77 no privilege to probe.

            Examples:
              mtu-doctor diagnose https://10.96.0.1:443
              mtu-doctor diagnose api.example.internal:6443 --capture --format html -o report.html
              mtu-doctor diagnose 10.77.3.2:443 --topology site.yaml --flow contour-to-api
              mtu-doctor lab up blackhole --https    # then, inside the lab's client namespace:
              ip netns exec <prefix>-client mtu-doctor diagnose https://10.77.3.2
            """
    )

    @Argument(help: "URL (https://host:port), host:port, [v6]:port or host.")
    var target: String

    @OptionGroup var diagnose: DiagnoseArguments

    @OptionGroup var output: OutputOptions

    func validate() throws {
        // Bad input is reported before anything else (and before any packet).
        do throws(DiagnoseError) {
            _ = try DiagnoseRunner.parse(target)
        } catch {
            throw fail(error.description)
        }
    }

    func run() throws {
        try requireLabNamespace(diagnose.labOnly)
        var options = diagnose.options
        options.progress = Progress.reporter()
        let result = Result { () throws(DiagnoseError) -> Diagnosis in
            try DiagnoseRunner.run(target: target, options: options)
        }
        Progress.clear()
        let diagnosis: Diagnosis
        switch result {
        case .success(let value): diagnosis = value
        case .failure(let error): throw fail(error.description, code: error.exitCode)
        }
        try output.emit(
            text: { DiagnosisText.render(diagnosis, style: output.style) },
            json: { JSONReport.render(diagnosis, command: "diagnose") },
            document: { Documents.diagnosis(diagnosis) })
        if diagnosis.verdict != .ok { throw ExitCode(1) }
    }
}
