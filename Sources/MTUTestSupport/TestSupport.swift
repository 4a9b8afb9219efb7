import Foundation

/// Helpers shared by the test targets.
package enum TestSupport {
    /// The repository root, found from this file's path (Sources/MTUTestSupport/TestSupport.swift).
    /// CI=true: environment-dependent tests run (and fail) instead of showing as skipped.
    package static let underCI = ProcessInfo.processInfo.environment["CI"] == "true"

    package static let repositoryRoot: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }()

    /// The built `mtu-doctor`: beside the test bundle (`swift test` builds every product first), else .build/debug.
    package static let binary: String = {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
            "mtu-doctor"
        ).path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        return "\(repositoryRoot)/.build/debug/mtu-doctor"
    }()
}

/// A small deterministic generator (SplitMix64) so randomised tests repeat exactly.
package struct SplitMix64: RandomNumberGenerator {
    package var state: UInt64
    package init(seed: UInt64) { state = seed }
    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// One run of the built `mtu-doctor`, as a user would run it.
package struct BinaryRun: Sendable {
    package var status: Int32
    package var stdout: String
    package var stderr: String

    package var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(stdout.utf8))) as? [String: Any] ?? [:]
    }
}

extension TestSupport {
    /// Runs the binary from the repository root; `environment` sets (or, with nil, removes) variables. Both pipes are
    /// read at once, so a chatty stderr cannot block the child.
    package static func run(_ arguments: [String], environment: [String: String?] = [:]) throws -> BinaryRun {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: repositoryRoot)
        if !environment.isEmpty {
            var merged = ProcessInfo.processInfo.environment
            for (key, value) in environment { merged[key] = value }
            process.environment = merged
        }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        nonisolated(unsafe) var stderr = Data()
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            stderr = err.fileHandleForReading.readDataToEndOfFile()
            done.signal()
        }
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        done.wait()
        process.waitUntilExit()
        return BinaryRun(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }
}

extension Process {
    /// Stops a process a test started, and waits for it: SIGKILL, because a test runner may leave SIGTERM blocked in
    /// the child (a blocked signal mask survives exec). Nothing is sent to a process that has already exited, whose
    /// PID may belong to another by now.
    package func stop() {
        if isRunning { kill(processIdentifier, SIGKILL) }
        waitUntilExit()
    }
}
