import ArgumentParser
import Foundation
import MTUReport
import MTUSystem

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
        Style(
            color: resolved == .text && output == nil && Syscall.isTerminal(STDOUT_FILENO)
                && ProcessInfo.processInfo.environment["NO_COLOR"] == nil)
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
