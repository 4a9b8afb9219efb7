import MTUModel

/// Text for `kube audit`: verdict, the CNI and its MTU settings, the underlay, the nodes, findings with their fixes,
/// and what was read and what could not be.
public enum KubeAuditText {
    public static func render(_ report: KubeAuditReport) -> String {
        var lines = [
            "mtu-doctor kube audit: \(ReportDocument.verdictWord(report.verdict.rawValue)) — \(report.context) (\(report.server))",
            report.summary, "",
        ]
        for cni in report.cni {
            lines.append(
                "CNI \(cni.name) (\(cni.install)): encapsulation \(cni.encapsulation)\(cni.crossSubnetOnly ? " across subnets only" : ""), pod MTU \(cni.configuredPodMTU.map(String.init) ?? "auto")"
            )
            lines.append("  found by: " + cni.detectedBy.joined(separator: ", "))
            if let rules = cni.rules { lines.append("  rules: \(rules)") }
            if cni.policyOnly { lines.append("  policy only: it moves no packets here") }
            for source in cni.sources {
                lines.append(
                    "  \(source.field) = \(source.value.map(String.init) ?? "unset")\(source.effective ? "  ← in effect" : "")"
                )
            }
            for note in cni.notes { lines.append("  note: \(note)") }
        }
        if report.cni.isEmpty { lines.append("CNI: none recognised") }
        let underlay = report.underlay
        lines.append("")
        lines.append(
            "Underlay: \(underlay.effective.map { "\($0) bytes (\(underlay.basis))" } ?? "unknown")"
                + "; encapsulation costs \(underlay.encapsulationOverhead) B (\(underlay.ipVersion)); pods can use at most \(report.expectedPodMTU.map(String.init) ?? "?")"
        )
        if !report.nodes.isEmpty {
            lines.append("")
            let width = Swift.max(6, (report.nodes.map(\.name.count).max() ?? 4) + 2)
            lines.append(
                pad("node", width) + pad("internal IP", 18) + pad("zone", 10) + padLeft("iface MTU", 10)
                    + padLeft("auto pod", 10) + padLeft("pods seen", 11))
            for node in report.nodes.prefix(50) {
                lines.append(
                    pad(node.name, width) + pad(node.internalIP ?? "—", 18) + pad(node.zone ?? "—", 10)
                        + padLeft(node.interfaceMTU.map(String.init) ?? "?", 10)
                        + padLeft(node.autoPodMTU.map(String.init) ?? "—", 10)
                        + padLeft(node.observedPodMTU.map(String.init) ?? "—", 11))
            }
            if report.nodes.count > 50 {
                lines.append("… and \(report.nodes.count - 50) more nodes (--json lists them all)")
            }
        }
        if !report.findings.isEmpty {
            lines.append("")
            lines.append("Findings")
            for finding in report.findings {
                lines.append("  [\(finding.severity.rawValue)] \(finding.summary)")
                lines.append("    \(finding.details.joined(separator: " "))")
                for command in finding.commands {
                    lines.append(command.hasPrefix("#") ? "    \(command)" : "    $ \(command)")
                }
            }
        }
        lines.append("")
        let absent = report.audited.filter { $0.contains(": absent") || $0.hasSuffix(": no such namespace") }
        let read = report.audited.filter { !absent.contains($0) }
        lines.append("Read: " + (read.isEmpty ? "nothing" : read.joined(separator: "; ")))
        if !absent.isEmpty {
            lines.append(
                "Not installed: "
                    + absent.map { $0.split(separator: ":").first.map(String.init) ?? $0 }.joined(separator: "; "))
        }
        if !report.gaps.isEmpty {
            lines.append("Not readable (the audit went on without them):")
            for gap in report.gaps { lines.append("  ✘ \(gap)") }
        }
        return lines.joined(separator: "\n")
    }
}

extension Documents {
    public static func kubeAudit(_ report: KubeAuditReport) -> ReportDocument {
        var sections: [ReportDocument.Section] = []
        for finding in report.findings {
            var blocks: [ReportDocument.Block] = [
                .paragraph("[\(finding.severity.rawValue)] " + finding.details.joined(separator: " "))
            ]
            let commands = finding.commands
            if !commands.isEmpty { blocks.append(.code(commands)) }
            sections.append(.init(title: finding.summary, id: "finding-\(finding.kind)", blocks: blocks))
        }
        sections.append(
            .init(
                title: "CNI", id: "cni",
                blocks: report.cni.isEmpty
                    ? [.paragraph("None recognised.")]
                    : report.cni.map { cni in
                        .table(
                            headers: ["\(cni.name) (\(cni.install)), \(cni.encapsulation)", "value", "in effect"],
                            rows: cni.sources.map {
                                [$0.field, $0.value.map(String.init) ?? "unset", $0.effective ? "yes" : ""]
                            } + cni.notes.map { ["note: " + $0, "", ""] })
                    }))
        let underlay = report.underlay
        sections.append(
            .init(
                title: "Underlay and nodes", id: "nodes",
                blocks: [
                    .paragraph(
                        "Underlay \(underlay.effective.map { "\($0) bytes (\(underlay.basis))" } ?? "unknown"); encapsulation \(underlay.encapsulationOverhead) B; pods can use at most \(report.expectedPodMTU.map(String.init) ?? "?")."
                    ),
                    .table(
                        headers: ["node", "internal IP", "zone", "interface MTU", "auto pod MTU", "pods seen"],
                        rows: report.nodes.map {
                            [
                                $0.name, $0.internalIP ?? "—", $0.zone ?? "—", $0.interfaceMTU.map(String.init) ?? "?",
                                $0.autoPodMTU.map(String.init) ?? "—", $0.observedPodMTU.map(String.init) ?? "—",
                            ]
                        }),
                ]))
        var read: [ReportDocument.Block] = [.list(report.audited)]
        if !report.gaps.isEmpty {
            read += [.paragraph("Not readable (the audit went on without them):"), .list(report.gaps)]
        }
        sections.append(.init(title: "What was read", id: "read", blocks: read))
        return ReportDocument(
            title: "mtu-doctor kube audit — \(report.context)", verdict: report.verdict.rawValue,
            headline: report.summary,
            sections: sections)
    }
}
