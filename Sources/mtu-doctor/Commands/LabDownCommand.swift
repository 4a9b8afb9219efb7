import ArgumentParser
import Foundation
import MTUCore
import MTULab
import MTUReport

extension LabCommand {
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
