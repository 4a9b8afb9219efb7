import ArgumentParser
import MTUConfig
import MTUCore
import MTUReport

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Analyse a topology file: per flow and direction, the path MTU, the wall, the fate of big packets, the fix.",
        discussion: """
            Exit status: 0 no problem, 1 problems found, 2 bad input. The file format is described in docs/topology.md.

            Examples:
              mtu-doctor check examples/nsx-geneve-firewall.yaml
              mtu-doctor check examples/calico-svi-rpf.yaml --verbose
              mtu-doctor check examples/cilium-clustermesh-tgw.yaml --json
            """
    )

    @Argument(help: "The topology file (YAML).")
    var topology: String

    @Flag(name: .shortAndLong, help: "Show every hop of every direction.")
    var verbose = false

    @Option(name: .long, help: "Only analyse the flow with this name.")
    var flow: String?

    @OptionGroup var output: OutputOptions

    func run() throws {
        let report: CheckReport
        do {
            var model = try TopologyLoader.load(path: topology)
            if let flow {
                guard model.flows.contains(where: { $0.name == flow }) else {
                    throw fail(
                        "--flow: no flow named '\(flow)' in \(topology)\(Suggestion.didYouMean(flow, in: model.flows.map(\.name)))"
                    )
                }
                model.flows = model.flows.filter { $0.name == flow }
            }
            report = try Analyzer.check(model)
        } catch let error as TopologyError {
            throw fail(error.description)
        }
        try output.emit(
            text: { CheckText.render(report, style: output.style, verbose: verbose) },
            json: { JSONReport.render(report, command: "check") },
            document: { Documents.check(report) })
        if report.hasProblems { throw ExitCode(1) }
    }
}
