import ArgumentParser
import Foundation
import MTUCore
import MTULab
import MTUReport

extension LabCommand {
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
            let kind: LabScenario = try choice(scenario, "scenario")
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
}
