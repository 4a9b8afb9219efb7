import Foundation
import MTUCore
import Testing

@testable import MTULab

/// `lab down` removes only what a lab recorded as its own (issue 17): a prefix is a name, never a path, and a
/// namespace some other program named with the same prefix is left alone.
extension LabSuites {
    @Suite("Lab ownership: down removes only what up created", .serialized)
    struct LabOwnershipTests {
        /// Without root too: a prefix that is a path is refused before anything is touched.
        @Test(arguments: ["../../tmp/victim", "a/b", "..", "", "UPPER", String(repeating: "a", count: 40)])
        func prefixesThatAreNotNamesAreRefused(_ prefix: String) {
            #expect(throws: LabError.self) { try Lab.down(prefix: prefix) }
            #expect(throws: LabError.self) { try Lab.up(.ok, options: LabOptions(prefix: prefix)) }
        }

        @Test func aPathPrefixDeletesNothing() throws {
            let victim = FileManager.default.temporaryDirectory.appendingPathComponent("mtu-doctor-victim-\(getpid())")
            try FileManager.default.createDirectory(at: victim, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: victim) }
            FileManager.default.createFile(atPath: victim.appendingPathComponent("keep").path, contents: Data("x".utf8))
            let relative = String(repeating: "../", count: 8) + victim.path.dropFirst()
            #expect(throws: LabError.self) { try Lab.down(prefix: relative) }
            #expect(FileManager.default.fileExists(atPath: victim.appendingPathComponent("keep").path))
        }

        @Test(.enabled(if: LabSupport.isRoot, "needs root to create network namespaces"))
        func foreignNamespacesWithTheSamePrefixAreKept() throws {
            let prefix = "mtudown-" + String(format: "%06x", UInt32.random(in: 0...0xff_ffff))
            let foreign = "\(prefix)-x"
            _ = try Lab.run(["ip", "netns", "add", foreign])
            defer { _ = try? Lab.run(["ip", "netns", "delete", foreign]) }
            do {
                _ = try Lab.down(prefix: prefix)
                Issue.record("lab down removed or claimed namespaces no lab created")
            } catch {
                #expect(error.description.contains("no lab with this prefix was created here"))
            }
            #expect(Lab.namespaces().contains(foreign), "the foreign namespace is still there")
            // A lab with the same prefix refuses to start instead of mixing with it.
            #expect(throws: LabError.self) { try Lab.up(.ok, options: LabOptions(prefix: prefix)) }
        }

        @Test(.enabled(if: LabSupport.isRoot, "needs root to create network namespaces"))
        func downRemovesTheLabAndOnlyTheLab() throws {
            let truth = try Lab.up(
                .ok, options: LabOptions(prefix: "custom-" + String(format: "%06x", UInt32.random(in: 0...0xff_ffff))))
            let foreign = "\(truth.prefix)-zz-foreign"
            _ = try Lab.run(["ip", "netns", "add", foreign])
            defer {
                _ = try? Lab.down(prefix: truth.prefix)
                _ = try? Lab.run(["ip", "netns", "delete", foreign])
            }
            #expect(
                Lab.list().labs.contains { $0.prefix == truth.prefix },
                "lab list finds a lab by its record, whatever its prefix")
            let removed = try Lab.down(prefix: truth.prefix)
            #expect(Set(removed) == Set(truth.namespaces.values))
            #expect(Lab.namespaces().contains(foreign))
            #expect(!Lab.namespaces().contains { truth.namespaces.values.contains($0) })
        }

        /// Ctrl-C during `lab up`: the lab is finished, then removed; nothing is left behind.
        @Test(.enabled(if: LabSupport.isRoot, "needs root to create network namespaces"), arguments: [SIGINT, SIGTERM])
        func interruptedUpLeavesNothing(_ signal: Int32) throws {
            let prefix = "mtudint-" + String(format: "%06x", UInt32.random(in: 0...0xff_ffff))
            let process = Process()
            process.executableURL = URL(fileURLWithPath: LabSupport.binary)
            process.arguments = ["lab", "up", "tgw", "--prefix", prefix]
            process.standardOutput = FileHandle.nullDevice
            let errors = Pipe()
            process.standardError = errors
            try process.run()
            // Wait until the first namespace exists, then interrupt.
            var waited = 0
            while waited < 500, !FileManager.default.fileExists(atPath: "/run/netns/\(prefix)-client") {
                usleep(2_000)
                waited += 1
            }
            kill(process.processIdentifier, signal)
            process.waitUntilExit()
            defer { _ = try? Lab.down(prefix: prefix) }
            let said = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(process.terminationStatus == 130, "\(said)")
            #expect(
                !Lab.namespaces().contains { $0.hasPrefix(prefix + "-") },
                "left: \(Lab.namespaces().filter { $0.hasPrefix(prefix) })")
        }
    }
}
