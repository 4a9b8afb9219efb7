import ArgumentParser
import Foundation
import MTUCapture
import MTUCore
import MTUReport

struct CaptureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capture",
        abstract: "Analyse pcap/pcapng captures for MTU black holes.",
        discussion: """
            Examples:
              mtu-doctor capture analyze server.pcap
              tcpdump -i any -w - 'host 10.96.0.1' | mtu-doctor capture analyze -
            """,
        subcommands: [Analyze.self]
    )

    struct Analyze: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Find stalled full-size segments, ICMP \"too big\" and whether it took effect, MSS, oversize tunnel packets, stalled TLS handshakes.",
            discussion: """
                Exit status: 0 nothing found, 1 problems found, 2 bad input.

                Examples:
                  mtu-doctor capture analyze server.pcap
                  mtu-doctor capture analyze node-a.pcapng node-b.pcapng --mtu 1500 --json
                """
        )

        @Argument(help: "Capture files (pcap or pcapng).")
        var files: [String]

        @Option(help: "Underlay MTU: tunnel packets larger than this are reported.")
        var mtu: Int?

        @OptionGroup var output: OutputOptions

        func validate() throws {
            guard !files.isEmpty else { throw fail("give at least one capture file") }
            if let mtu, !(68...65535).contains(mtu) { throw fail("--mtu must be 68–65535, got \(mtu)") }
        }

        func run() throws {
            var analyzer = CaptureAnalyzer(underlayMTU: mtu)
            var unreadable: [String] = []
            for file in files {
                do throws(CaptureReader.FormatError) {
                    var reader = try CaptureReader(source: try CaptureFile(path: file))
                    analyzer.add(&reader, name: file)
                    if let refusal = reader.refusal {
                        throw CaptureReader.FormatError(description: refusal, refusal: true)
                    }
                } catch {
                    if error.refusal { throw fail("\(file): \(error.description)") }
                    // One unreadable file among several: said, and the others are analysed.
                    guard files.count > 1 else { throw fail("\(file): \(error.description)") }
                    analyzer.unreadable(file, reason: error.description)
                    unreadable.append("\(file): \(error.description)")
                }
            }
            if unreadable.count == files.count {
                throw fail("no capture could be read: " + unreadable.joined(separator: "; "))
            }
            let report = analyzer.report()
            try output.emit(
                text: { CaptureText.render(report, files: files, style: output.style) },
                json: { JSONReport.render(report, command: "capture.analyze") },
                document: { Documents.capture(report, files: files) })
            if report.verdict != .ok { throw ExitCode(1) }
        }
    }
}
