import ArgumentParser
import Foundation
import MTUCapture
import MTUReport

struct CaptureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capture",
        abstract: "Analyse pcap/pcapng captures for MTU black holes.",
        subcommands: [Analyze.self]
    )

    struct Analyze: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Find stalled full-size segments, ICMP \"too big\" and whether it took effect, MSS, oversize tunnel packets, stalled TLS handshakes.",
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
            for file in files {
                do throws(CaptureReader.FormatError) {
                    var reader = try CaptureReader(source: try CaptureFile(path: file))
                    analyzer.add(&reader, name: file)
                } catch {
                    throw fail("\(file): \(error.description)")
                }
            }
            let report = analyzer.report()
            if output.json {
                print(JSONReport.render(report, command: "capture.analyze"))
            } else {
                var lines = ["mtu-doctor capture analyze: \(report.packets) packets, \(report.flows.count) TCP connections — \(report.verdict.uppercased())"]
                for flow in report.flows {
                    lines.append("  \(flow.flow)  \(flow.packets) packets, largest \(flow.largestPacket), MSS \(flow.mssClient.map(String.init) ?? "?")/\(flow.mssServer.map(String.init) ?? "?"), \(flow.retransmissions) retransmissions\(flow.stalled ? ", STALLED" : "")")
                }
                for finding in report.findings {
                    lines.append("")
                    lines.append("[\(finding.kind)] \(finding.summary)")
                    lines.append("  frames: \(finding.frames.prefix(12).map(String.init).joined(separator: ", "))")
                }
                for warning in report.warnings.prefix(20) { lines.append("warning: \(warning)") }
                print(lines.joined(separator: "\n"))
            }
            if report.verdict != "ok" { throw ExitCode(1) }
        }
    }
}
