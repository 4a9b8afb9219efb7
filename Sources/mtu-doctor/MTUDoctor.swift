import ArgumentParser
import Foundation
import MTUProbe

@main
struct MTUDoctor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mtu-doctor",
        abstract: "Find, explain and fix MTU black holes in overlay networks.",
        discussion: """
            Configured MTU is not path MTU. mtu-doctor measures the real path, in both directions, to the byte \
            (probe), names the hop and what happened to the ICMP that should have reported it, ties the evidence \
            together into a cause with what was ruled out (diagnose), reads captures (capture analyze), does the \
            encapsulation math (calc) and analyses a described network per flow and direction (check), with the \
            fix in each device's own words. Reports: --format text|json|markdown|html.

            Examples:
              mtu-doctor diagnose https://10.96.0.1:443
              mtu-doctor check examples/nsx-geneve-firewall.yaml
              mtu-doctor calc --mtu 9001,aws-tgw --encap vxlan
              mtu-doctor capture analyze node.pcap --mtu 1500
              sudo mtu-doctor lab demo blackhole
              mtu-doctor --generate-completion-script bash > /etc/bash_completion.d/mtu-doctor
            """,
        version: BuildInfo.description,
        subcommands: [
            DiagnoseCommand.self, Calc.self, Check.self, ProbeCommand.self, CaptureCommand.self, ServeCommand.self,
            AgentCommand.self, KubeCommand.self, LabCommand.self,
        ]
    )

    /// Usage errors (unknown flags, bad values, missing arguments) exit 2 like every other bad input, with the
    /// problem on the first line and where to read more on the second.
    static func main() async {
        // The image's binary carries CAP_NET_RAW as a permitted-only file capability: make it effective when present.
        ProcessCapabilities.raiseNetRaw()
        do {
            // Installed as `kubectl-mtu`, kubectl runs it as a plugin: `kubectl mtu mesh …` is `mtu-doctor kube mesh …`.
            var arguments = Array(CommandLine.arguments.dropFirst())
            if URL(fileURLWithPath: CommandLine.arguments[0]).lastPathComponent == "kubectl-mtu" {
                arguments.insert("kube", at: 0)
            }
            // The commands that talk to the API server or the agents are async (AsyncHTTPClient); the measuring ones
            // stay synchronous on the main thread: their blocking socket loops do not belong on the cooperative pool.
            var command = try parseAsRoot(arguments)
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                let message = fullMessage(for: error).split(separator: "\n").map(String.init)
                let first = message.first.map { $0.hasPrefix("Error: ") ? String($0.dropFirst(7)) : $0 } ?? "bad usage"
                var standardError = StandardError()
                print("mtu-doctor: error: \(first)", to: &standardError)
                if let see = message.last(where: { $0.contains("--help") }) {
                    print(see.trimmingCharacters(in: .whitespaces), to: &standardError)
                }
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
