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

        @OptionGroup var lab: LabArguments

        @OptionGroup var output: OutputOptions

        func run() throws {
            try output.requireTextOrJSON("lab up")
            let kind: LabScenario = try choice(scenario, "scenario")
            let options = try lab.options()
            do {
                // Ctrl-C or SIGTERM while the lab is being built: held until it is complete, then it is torn down.
                let truth = try Lab.holdingSignals { () throws(LabError) in
                    try Lab.up(kind, options: options)
                } interrupted: { truth in
                    _ = try? Lab.down(prefix: truth.prefix)
                    var standardError = StandardError()
                    print("interrupted: lab \(truth.prefix) removed", to: &standardError)
                    Foundation.exit(130)
                }
                try output.write(output.json ? JSONReport.render(truth, command: "lab.up") : LabText.render(truth))
            } catch let error as LabError {
                throw fail(error.description)
            }
        }
    }
}
