import ArgumentParser
import Foundation
import MTUModel
import MTUProbe
import MTUSystem

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `--lab-only` (or MTU_DOCTOR_LAB_ONLY=1, set by the tests): refuse to send probes outside an `mtud-*` namespace.
func requireLabNamespace(_ labOnly: Bool) throws {
    if labOnly || ProcessInfo.processInfo.environment["MTU_DOCTOR_LAB_ONLY"] == "1", !HostFacts.inLabNamespace() {
        throw fail(
            "--lab-only: this process runs in the host's own network namespace; run it with `ip netns exec <lab namespace>`"
        )
    }
}

/// One of an enumeration's values by its name, or a usage error naming the flag, the closest name and the known ones:
/// "--forward-fate: unknown fate 'pbt' (did you mean 'ptb'?); known: fits, ptb, …".
func choice<Value: RawRepresentable & CaseIterable>(_ text: String, _ what: String, flag: String? = nil) throws -> Value
where Value.RawValue == String {
    if let value = Value(rawValue: text) { return value }
    let known = Value.allCases.map(\.rawValue)
    throw fail(
        "\(flag.map { "\($0): " } ?? "")unknown \(what) '\(text)'\(Suggestion.didYouMean(text, in: known)); known: \(known.joined(separator: ", "))"
    )
}

/// Prints `mtu-doctor: error: MESSAGE` on stderr and exits with `code` (2: bad input).
func fail(_ message: String, code: Int32 = 2) -> ExitCode {
    var standardError = StandardError()
    print("mtu-doctor: error: \(message)", to: &standardError)
    return ExitCode(code)
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) { Syscall.writeAll(STDERR_FILENO, string.utf8) }
}
