import ArgumentParser
import MTUReport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Shared output options and helpers for every command.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print JSON (versioned schema, see docs/json-schema.md) instead of text.")
    var json = false

    /// Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org).
    var style: Style {
        Style(color: !json && isatty(STDOUT_FILENO) == 1 && getenv("NO_COLOR") == nil)
    }
}

/// Prints `mtu-doctor: error: MESSAGE` on stderr and exits with `code` (2: bad input).
func fail(_ message: String, code: Int32 = 2) -> ExitCode {
    var standardError = StandardError()
    print("mtu-doctor: error: \(message)", to: &standardError)
    return ExitCode(code)
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) { _ = string.withCString { Glibc.write(STDERR_FILENO, $0, strlen($0)) } }
}
