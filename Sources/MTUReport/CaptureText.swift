import MTUModel

/// Human text for `capture analyze`: the verdict and its one-line conclusion, the connections that matter, then the
/// findings (most severe first) with the frames to open in Wireshark.
public enum CaptureText {
    public static func render(
        _ report: CaptureReport, files: [String], style: Style = Style(color: false), limit: Int = 20
    ) -> String {
        var lines: [String] = []
        let verdict = style.captureVerdict(report.verdict)
        lines.append(
            "\(style.bold("mtu-doctor capture analyze")): \(verdict) — \(report.packets) packets in \(files.count) file\(files.count == 1 ? "" : "s"), \(report.flows.count + report.flowsOmitted) TCP connection\(report.flows.count + report.flowsOmitted == 1 ? "" : "s")"
        )
        lines.append(report.conclusion)
        let coverage = report.coverage
        if coverage.dissected < coverage.packets || !coverage.through.isEmpty {
            var read = "Read: \(coverage.dissected) of \(coverage.packets) packets down to IP"
            if !coverage.through.isEmpty {
                read += "; through " + coverage.through.map { "\($0.what) (\($0.packets))" }.joined(separator: ", ")
            }
            if !coverage.skipped.isEmpty {
                read +=
                    "; not read: "
                    + coverage.skipped.prefix(4).map { "\($0.what) (\($0.packets))" }.joined(separator: ", ")
            }
            lines.append(style.dim(read))
        }
        let interesting = report.flows.filter { $0.stalled || $0.retransmissions > 0 || $0.tls != nil }
        let shown = (interesting.isEmpty ? report.flows : interesting).prefix(limit)
        if !shown.isEmpty {
            lines.append("")
            lines.append(
                style.bold("Connections")
                    + (shown.count < report.flows.count + report.flowsOmitted
                        ? style.dim(
                            "  (\(shown.count) of \(report.flows.count + report.flowsOmitted): those with retransmissions or TLS)"
                        ) : ""))
            lines.append(
                "  \(pad("connection", 46)) \(padLeft("packets", 7)) \(padLeft("largest", 7))  \(pad("MSS c/s", 11)) \(padLeft("retx", 4))  tls"
            )
            for flow in shown {
                let mss = "\(flow.mssClient.map(String.init) ?? "?")/\(flow.mssServer.map(String.init) ?? "?")"
                var tls = flow.tls?.rawValue ?? "-"
                if let ms = flow.tlsHandshakeMs { tls += " \(Int(ms.rounded())) ms" }
                let mark = flow.stalled ? "  " + style.paint("STALLED", "1;31") : ""
                lines.append(
                    "  \(pad(flow.flow, 46)) \(padLeft(String(flow.packets), 7)) \(padLeft(String(flow.largestPacket), 7))  \(pad(mss, 11)) \(padLeft(String(flow.retransmissions), 4))  \(tls)\(mark)"
                )
            }
        }
        if let tunnels = report.tunnels {
            lines.append("")
            lines.append(
                "\(style.bold("Tunnels")): \(tunnels.packets) tunnel packets, largest outer \(tunnels.largestOuter) bytes (inner \(tunnels.largestInner)), \(tunnels.outerDontFragment) with outer DF, \(tunnels.outerFragments) outer fragments"
            )
        }
        let findings = report.rankedFindings
        if !findings.isEmpty {
            lines.append("")
            lines.append(style.bold("Findings, most severe first"))
            for (number, finding) in findings.enumerated() {
                lines.append("")
                lines.append(
                    "\(number + 1). [\(style.captureSeverity(finding.severity))\(finding.proof.map { ", \($0.evidence)" } ?? "")] \(finding.kind)\(finding.proof?.direction.map { "  \($0)" } ?? "")"
                )
                lines.append("   \(finding.summary)")
                if let proof = finding.proof, !proof.frames.isEmpty {
                    let frames = proof.frames.prefix(12).map(String.init)
                    let inFile = files.count > 1 || !proof.file.isEmpty ? " in \(proof.file)" : ""
                    lines.append(
                        style.dim(
                            "   frames\(inFile): \(frames.joined(separator: ", "))\(proof.frames.count > 12 ? " …" : "")  — Wireshark: frame.number in {\(frames.joined(separator: " "))}"
                        ))
                }
            }
        }
        if !report.warnings.isEmpty {
            lines.append("")
            for warning in report.warnings.prefix(10) { lines.append("warning: \(warning)") }
            if report.warnings.count > 10 {
                lines.append("warning: … and \(report.warnings.count - 10) more (see --json)")
            }
        }
        return lines.joined(separator: "\n")
    }
}

extension Style {
    func captureVerdict(_ verdict: CaptureReport.Verdict) -> String {
        switch verdict {
        case .blackhole: return paint("BLACKHOLE", "1;31")
        case .degraded: return paint("DEGRADED", "1;33")
        case .incomplete: return paint("INCOMPLETE", "1;33")
        case .ok: return paint("OK", "1;32")
        }
    }

    func captureSeverity(_ severity: Severity) -> String {
        switch severity {
        case .critical, .error: return paint(severity.rawValue, "1;31")
        case .warning: return paint("warning", "1;33")
        case .info: return paint("info", "36")
        }
    }
}
