import MTUModel

/// Human text for `check`: verdict first, then each flow, then ranked findings with fixes.
public enum CheckText {
    public static func render(_ report: CheckReport, style: Style = Style(color: false), verbose: Bool = false)
        -> String
    {
        var lines: [String] = []
        let broken = report.flows.filter { $0.verdict != .ok }.count
        lines.append(
            "\(style.bold("mtu-doctor check")) \(report.topology): \(style.verdict(report.verdict)) — \(broken) of \(report.flows.count) flow\(report.flows.count == 1 ? "" : "s") affected, \(report.findings.count) finding\(report.findings.count == 1 ? "" : "s")"
        )
        for flow in report.flows {
            lines.append("")
            lines.append(
                "\(style.bold("Flow \(flow.name)")): \(flow.from) → \(flow.to) (\(flow.protocol))  \(style.verdict(flow.verdict))"
            )
            for leg in flow.legs {
                if flow.legs.count > 1 { lines.append("  leg \(leg.from) ⇄ \(leg.to)") }
                for (label, direction) in [("forward", leg.forward), ("reverse", leg.reverse)] {
                    lines.append(directionLine(label, direction, style: style))
                    if direction.verdict != .ok || direction.latent || verbose {
                        let b = direction.bottleneck
                        lines.append(
                            "      wall: \(b.place) on the \(b.layer), \(b.mtu) bytes — \(b.reason)"
                        )
                        if direction.largestPacketSent > direction.pathMTU, direction.verdict != .ok || verbose {
                            lines.append("      fate: \(direction.fate.kind.rawValue) — \(direction.fate.summary)")
                        }
                    }
                    if verbose {
                        for hop in direction.hops {
                            lines.append(
                                "        \(pad(hop.role.rawValue, 16)) \(pad("\(hop.node)\(hop.interface.map { " \($0)" } ?? "")", 30)) \(pad(hop.layerText, 18)) \(padLeft(String(hop.mtu), 5)) → inner \(padLeft(String(hop.innerLimit), 5))  \(hop.reason)"
                            )
                        }
                    }
                }
            }
            for symptom in flow.symptoms { lines.append("  • \(symptom)") }
        }
        if !report.findings.isEmpty {
            lines.append("")
            lines.append(style.bold("Findings, most severe first"))
            for (number, finding) in report.findings.enumerated() {
                lines.append("")
                lines.append("\(number + 1). [\(style.severity(finding.severity))] \(finding.summary)")
                if !finding.flows.isEmpty { lines.append("   flows: \(finding.flows.joined(separator: ", "))") }
                for detail in finding.details { lines.append("   - \(detail)") }
                for (index, fix) in finding.fixes.enumerated() {
                    let letter = String(UnicodeScalar(UInt8(97 + min(index, 25))))
                    lines.append("   \(letter)) \(fix.title)\(fix.resolvesCause ? "" : style.dim("  (workaround)"))")
                    for command in fix.commands { lines.append("        \(command)") }
                    if let note = fix.note { lines.append("      \(style.dim(note))") }
                }
            }
        }
        return lines.joined(separator: "\n")
    }

    static func directionLine(_ label: String, _ direction: DirectionResult, style: Style) -> String {
        let status: String
        if direction.verdict == .ok && direction.latent {
            status = "\(style.verdict(.ok)) (messages fit; latent wall)"
        } else {
            status = style.verdict(direction.verdict)
        }
        return
            "    \(pad(label, 8)) \(pad("\(direction.from) → \(direction.to)", 40)) path MTU \(padLeft(String(direction.pathMTU), 5))  sends ≤ \(padLeft(String(direction.largestPacketSent), 5))  \(status)"
    }
}
