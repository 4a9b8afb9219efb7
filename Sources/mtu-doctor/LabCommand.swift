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
            guard let kind = LabScenario(rawValue: scenario) else {
                throw fail(
                    "unknown scenario '\(scenario)'\(MTUCoreSuggestion.didYouMean(scenario, LabScenario.allCases.map(\.rawValue))); known: \(LabScenario.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            var fates: [WallFate] = []
            for (flag, value) in [("--forward-fate", forwardFate), ("--reverse-fate", reverseFate)] {
                guard let fate = WallFate(rawValue: value) else {
                    throw fail(
                        "\(flag): unknown fate '\(value)'\(MTUCoreSuggestion.didYouMean(value, WallFate.allCases.map(\.rawValue))); known: \(WallFate.allCases.map(\.rawValue).joined(separator: ", "))"
                    )
                }
                fates.append(fate)
            }
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

    /// One command for a first look: a lab with an HTTPS server, `diagnose` run from its client namespace as an
    /// engineer would run it from the broken pod, and the lab removed afterwards (also on failure or Ctrl-C).
    struct Demo: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build a lab, run `diagnose` from its client against its HTTPS server, remove the lab (root).",
            discussion: """
                Examples:
                  mtu-doctor lab demo blackhole
                  mtu-doctor lab demo svi-rpf --format html -o svi-rpf.html
                  mtu-doctor lab demo tgw --format markdown
                """)

        @Argument(help: "The scenario: \(LabScenario.allCases.map(\.rawValue).joined(separator: ", ")).")
        var scenario: String = "blackhole"

        @Flag(help: "Also compare with the documented topology (blackhole only: examples/lab-blackhole.yaml).")
        var topology = false

        @OptionGroup var output: OutputOptions

        func run() throws {
            guard let kind = LabScenario(rawValue: scenario) else {
                throw fail(
                    "unknown scenario '\(scenario)'\(MTUCoreSuggestion.didYouMean(scenario, LabScenario.allCases.map(\.rawValue))); known: \(LabScenario.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            let truth: LabGroundTruth
            do {
                truth = try Lab.up(kind, options: LabOptions(https: true))
            } catch {
                throw fail(error.description)
            }
            // Removed whatever happens next. Ctrl-C reaches the whole process group: diagnose stops, this process
            // ignores it while waiting, then removes the lab.
            defer { _ = try? Lab.down(prefix: truth.prefix) }
            var standardError = StandardError()
            print(
                "lab \(truth.prefix) (\(kind.rawValue)): running diagnose from \(truth.namespaces["client"] ?? "?") against https://\(truth.server)",
                to: &standardError)
            var arguments = [Self.executable(), "diagnose", "https://\(truth.server)", "--lab-only"]
            if topology, kind == .blackhole, FileManager.default.fileExists(atPath: "examples/lab-blackhole.yaml") {
                arguments += ["--topology", "examples/lab-blackhole.yaml"]
            }
            if let format = output.format {
                arguments += ["--format", format.rawValue]
            } else if output.jsonFlag {
                arguments.append("--json")
            }
            if let file = output.output { arguments += ["--output", file] }
            let status: Int32
            do {
                status = try Lab.execute(in: truth.namespaces["client"]!, arguments)
            } catch {
                throw fail(error.description)
            }
            if status != 0 { throw ExitCode(status) }
        }

        static func executable() -> String {
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        }
    }

    struct Down: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a lab: the namespaces it recorded as its own when it was built, and nothing else.",
            discussion: """
                Examples:
                  mtu-doctor lab down mtud-3f9a1c
                """)

        @Argument(help: "The lab's prefix, as `lab up` printed it.")
        var prefix: String

        func run() throws {
            do {
                let removed = try Lab.down(prefix: prefix)
                print(
                    removed.isEmpty ? "nothing to remove for \(prefix)" : "removed \(removed.joined(separator: ", "))")
            } catch {
                throw fail(error.description)
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List running labs and stray lab namespaces.",
            discussion: """
                Examples:
                  mtu-doctor lab list
                """)

        func run() throws {
            let (labs, strays) = Lab.list()
            if labs.isEmpty && strays.isEmpty { print("no labs") }
            for lab in labs {
                print(
                    "\(lab.prefix)  \(lab.scenario)  client \(lab.client) → server \(lab.server)  \(lab.namespaces.values.sorted().joined(separator: " "))"
                )
            }
            if !strays.isEmpty {
                print("stray namespaces (remove with `mtu-doctor lab down PREFIX`): \(strays.joined(separator: " "))")
            }
        }
    }
}
