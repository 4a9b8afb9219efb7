import ArgumentParser
import MTUCore
import MTUProbe
import MTUReport

struct ProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract:
            "Measure a live path to the byte: forward DF search, the wall's hop, and (with `serve` on the far side) the reverse.",
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

    @OptionGroup var probe: ProbeArguments

    @OptionGroup var output: OutputOptions

    func run() throws {
        try requireLabNamespace(probe.labOnly)
        var options = probe.options
        options.progress = Progress.reporter()
        let report: ProbeReport
        do {
            report = try Probe.run(target: target, options: options)
        } catch {
            Progress.clear()
            throw fail(error.description, code: error.code == .noPrivilege ? 77 : 2)
        }
        Progress.clear()
        try output.emit(
            text: { ProbeText.render(report) }, json: { JSONReport.render(report, command: "probe") },
            document: { Documents.probe(report) })
        if report.failed { throw ExitCode(1) }
    }
}
