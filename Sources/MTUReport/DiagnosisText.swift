import MTUModel

/// Terminal text for `diagnose`: the verdict and headline first, then the cause with its evidence, the path, what
/// was ruled out, and the fixes.
public enum DiagnosisText {
    public static func render(_ d: Diagnosis, style: Style = Style(color: false)) -> String {
        let e = d.evidence
        var lines: [String] = []
        lines.append(
            "\(style.bold("mtu-doctor diagnose \(e.target)\(e.port.map { ":\($0)" } ?? "")")) — \(verdict(d.verdict.rawValue, style))"
        )
        lines.append(d.headline)
        if let cause = d.cause {
            lines.append("")
            lines.append("\(style.bold("Cause")): \(cause.title) (\(cause.status), \(cause.confidence)%)")
            lines.append("  \(cause.explanation)")
            if let hop = cause.hop { lines.append("  where: \(hop)\(cause.layer.map { " — \($0)" } ?? "")") }
            for item in cause.evidenceFor { lines.append("  \(style.paint("✔", "32")) \(item)") }
            for item in cause.evidenceAgainst { lines.append("  \(style.paint("✘", "31")) \(item)") }
        }
        for disagreement in d.disagreements { lines.append("  ≠ \(disagreement)") }
        if !d.path.isEmpty {
            lines.append("")
            let hops = d.path.map { hop -> String in
                let text = "\(hop.label)\(hop.address.map { " \($0)" } ?? "")"
                switch hop.state {
                case .wall: return style.paint("✘ \(text) [WALL]", "1;31")
                case .beyond: return style.dim(text)
                case .passes, .unknown: return text
                }
            }
            lines.append("\(style.bold("Path")): " + hops.joined(separator: " → "))
        }
        lines.append("")
        lines.append(style.bold("Evidence"))
        for step in e.steps {
            let mark: String
            switch step.outcome {
            case .passed: mark = style.paint("✔", "32")
            case .failed: mark = style.paint("✘", "31")
            case .warning: mark = style.paint("!", "33")
            case .skipped: mark = style.dim("–")
            case .info: mark = style.dim("i")
            }
            lines.append(
                "  \(mark) \(pad(step.name, 18)) \(step.milliseconds.map { padLeft("\($0) ms", 8) } ?? String(repeating: " ", count: 8))  \(step.detail)"
            )
        }
        let others = d.hypotheses.filter { $0.id != d.cause?.id }
        if !others.isEmpty {
            lines.append("")
            lines.append(style.bold("Other hypotheses"))
            for hypothesis in others {
                let label =
                    hypothesis.status == .ruledOut ? "ruled out" : "\(hypothesis.status) \(hypothesis.confidence)%"
                let reason =
                    hypothesis.status == .ruledOut ? hypothesis.evidenceAgainst.first : hypothesis.evidenceFor.first
                lines.append("  \(pad(label, 14)) \(hypothesis.title)\(reason.map { style.dim(" — \($0)") } ?? "")")
            }
        }
        let suspects = d.ruledOut.filter { item in !d.hypotheses.contains { $0.title == item.item } }
        if !suspects.isEmpty {
            lines.append("")
            lines.append(style.bold("Ruled out"))
            for item in suspects { lines.append("  • \(item.item): \(item.why)") }
        }
        if !d.fixes.isEmpty {
            lines.append("")
            lines.append(style.bold("Fixes"))
            for (index, fix) in d.fixes.enumerated() {
                lines.append("  \(index + 1)) \(fix.title)\(fix.resolvesCause ? "" : style.dim("  (workaround)"))")
                for command in fix.commands { lines.append("       \(command)") }
                if let note = fix.note { lines.append("     \(style.dim(note))") }
            }
        }
        return lines.joined(separator: "\n")
    }

    static func verdict(_ verdict: String, _ style: Style) -> String {
        let word = ReportDocument.verdictWord(verdict)
        switch verdict {
        case "blackhole": return style.paint(word, "1;31")
        case "degraded", "inconclusive": return style.paint(word, "1;33")
        default: return style.paint(word, "1;32")
        }
    }
}
