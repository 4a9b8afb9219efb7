import ArgumentParser
import Foundation
import MTULab
import MTUReport

struct LabCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lab",
        abstract: "Build or remove network-namespace labs that reproduce the incidents (root).",
        discussion: """
            Scenarios: \(LabScenario.allCases.map { "\($0.rawValue): \($0.summary)" }.joined(separator: "\n"))

            Examples:
              mtu-doctor lab up svi-rpf --wall 1400
              ip netns exec <prefix>-client mtu-doctor probe 10.77.3.2
              mtu-doctor lab down <prefix>
              mtu-doctor lab list
              mtu-doctor lab demo blackhole      # build, diagnose from the client, remove
            """,
        subcommands: [Up.self, Down.self, List.self, Demo.self]
    )
}
