import ArgumentParser
import Foundation
import MTUCore
import MTUProbe
import MTUReport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a result is written.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, markdown, html
}

/// Shared output options for every command: `--format text|json|markdown|html` (`--json` is short for
/// `--format json`) and `--output FILE`.
struct OutputOptions: ParsableArguments {
    @Flag(
        name: .customLong("json"),
        help: "Print JSON (versioned schema, see docs/json-schema.md): short for --format json.")
    var jsonFlag = false

    @Option(help: "Output format: text (default), json, markdown (for tickets) or html (one self-contained file).")
    var format: OutputFormat?

    @Option(name: [.customShort("o"), .long], help: "Write the report to this file instead of standard output.")
    var output: String?

    var resolved: OutputFormat { jsonFlag ? .json : format ?? .text }
    var json: Bool { resolved == .json }

    /// Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org).
    var style: Style {
        Style(color: resolved == .text && output == nil && isatty(STDOUT_FILENO) == 1 && getenv("NO_COLOR") == nil)
    }

    func validate() throws {
        if jsonFlag, let format, format != .json {
            throw fail("--json and --format \(format.rawValue) disagree: give one")
        }
    }

    /// For commands whose results have no Markdown/HTML form.
    func requireTextOrJSON(_ command: String) throws {
        if resolved == .markdown || resolved == .html {
            throw fail("--format \(resolved.rawValue) is not available for \(command): use text or json")
        }
    }

    /// Renders in the chosen format and writes it to --output or standard output.
    func emit(text: () -> String, json: () -> String, document: () -> ReportDocument) throws {
        let rendered: String
        switch resolved {
        case .text: rendered = text()
        case .json: rendered = json()
        case .markdown: rendered = MarkdownRenderer.render(document())
        case .html: rendered = HTMLRenderer.render(document())
        }
        try write(rendered)
    }

    func write(_ rendered: String) throws {
        guard let output else {
            print(rendered)
            return
        }
        let text = rendered.hasSuffix("\n") ? rendered : rendered + "\n"
        guard FileManager.default.createFile(atPath: output, contents: Data(text.utf8)) else {
            throw fail("--output: cannot write \(output)")
        }
    }
}

/// `--lab-only` (or MTU_DOCTOR_LAB_ONLY=1, set by the tests): refuse to send probes outside an `mtud-*` namespace.
func requireLabNamespace(_ labOnly: Bool) throws {
    if labOnly || ProcessInfo.processInfo.environment["MTU_DOCTOR_LAB_ONLY"] == "1", !HostFacts.inLabNamespace() {
        throw fail(
            "--lab-only: this process runs in the host's own network namespace; run it with `ip netns exec <lab namespace>`"
        )
    }
}

/// Prints `mtu-doctor: error: MESSAGE` on stderr and exits with `code` (2: bad input).
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

func fail(_ message: String, code: Int32 = 2) -> ExitCode {
    var standardError = StandardError()
    print("mtu-doctor: error: \(message)", to: &standardError)
    return ExitCode(code)
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) { _ = string.withCString { Glibc.write(STDERR_FILENO, $0, strlen($0)) } }
}
