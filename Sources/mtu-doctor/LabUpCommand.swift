import ArgumentParser
import Foundation
import MTUCore
import MTULab
import MTUReport

extension LabCommand {
    struct Up: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build a lab and print its ground truth.",
            discussion: """
                Examples:
                  mtu-doctor lab up blackhole --https
                  mtu-doctor lab up svi --wall 1400 --reverse-wall 1300 --json
                  mtu-doctor lab up overlay --df set --wall 1500
                """)

        @Argument(help: "The scenario: \(LabScenario.allCases.map(\.rawValue).joined(separator: ", ")).")
        var scenario: String

        @Option(help: "The forward wall in bytes (default per scenario).")
        var wall: Int?

        @Option(help: "The reverse wall when it differs (asymmetric path).")
        var reverseWall: Int?

        @Option(help: "Namespace prefix (default: mtud- and six random hex digits).")
        var prefix: String?

        @Option(help: "Overlay scenarios: the VXLAN outer DF, set|unset|inherit.")
        var df: String?

        @Flag(
            help: "Start an HTTPS server (certificate chain over 4 KB; plain HTTP gets a 400) on the server, port 443.")
        var https = false

        @Flag(help: "Overlay scenarios: return the underlay through a second router that carries --reverse-wall.")
        var asymmetric = false

        @Option(help: "mesh: how many hosts, split between the two subnets (2–64).")
        var nodes: Int = 4

        @Option(
            help:
                "twoway: what the forward wall does to a packet too large for it: \(WallFate.allCases.map(\.rawValue).joined(separator: ", "))."
        )
        var forwardFate: String = "ptb"

        @Option(
            help: "twoway: what the reverse wall does: \(WallFate.allCases.map(\.rawValue).joined(separator: ", ")).")
        var reverseFate: String = "ptb"

        @OptionGroup var output: OutputOptions

        func run() throws {
            try output.requireTextOrJSON("lab up")
            let kind: LabScenario = try choice(scenario, "scenario")
            let fates: [WallFate] = [
                try choice(forwardFate, "fate", flag: "--forward-fate"),
                try choice(reverseFate, "fate", flag: "--reverse-fate"),
            ]
            do {
                // Ctrl-C or SIGTERM while the lab is being built: held until it is complete, then it is torn down.
                let truth = try Lab.holdingSignals { () throws(LabError) in
                    try Lab.up(
                        kind,
                        options: LabOptions(
                            wall: wall, reverseWall: reverseWall, prefix: prefix, outerDF: df, https: https,
                            asymmetric: asymmetric, nodes: nodes, forwardFate: fates[0], reverseFate: fates[1]))
                } interrupted: { truth in
                    _ = try? Lab.down(prefix: truth.prefix)
                    var standardError = StandardError()
                    print("interrupted: lab \(truth.prefix) removed", to: &standardError)
                    Foundation.exit(130)
                }
                if output.json {
                    print(JSONReport.render(truth, command: "lab.up"))
                } else {
                    print(LabText.render(truth))
                }
            } catch {
                throw fail(error.description)
            }
        }
    }
}
