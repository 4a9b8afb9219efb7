import MTUModel

/// Text for `kube mesh`: the verdict and summary, the matrix (path MTU per directed pair, ✘ on limited ones), the groups.
public enum MeshText {
    public static func render(_ report: MeshReport) -> String {
        var lines = [
            "mtu-doctor kube mesh: \(ReportDocument.verdictWord(report.verdict.rawValue)) — \(report.nodes.count) nodes, \(report.pairs.count) directed pairs",
            report.summary, "",
        ]
        let names = report.nodes.map(\.name)
        let width = Swift.max(8, (names.map(\.count).max() ?? 4) + 2)
        lines.append(pad("from \\ to", width) + names.map { padLeft($0, width) }.joined())
        let matrix = report.matrix
        for (row, name) in names.enumerated() {
            var line = pad(name, width)
            for column in names.indices {
                if row == column {
                    line += padLeft("—", width)
                    continue
                }
                guard let value = matrix[row][column] else {
                    line += padLeft("?", width)
                    continue
                }
                let limited = report.expected.map { value < $0 } ?? false
                line += padLeft((limited ? "✘" : "") + String(value), width)
            }
            lines.append(line)
        }
        if !report.groups.isEmpty {
            lines.append("")
            lines.append("Groups")
            for group in report.groups { lines.append("  • \(group.description)") }
        }
        return lines.joined(separator: "\n")
    }
}

extension Documents {
    public static func mesh(_ report: MeshReport) -> ReportDocument {
        var sections: [ReportDocument.Section] = [
            .init(
                title: "Path MTU per directed pair", id: "mesh",
                blocks: [
                    .matrix(labels: report.nodes.map(\.name), values: report.matrix, expected: report.expected),
                    .paragraph(
                        "Rows send, columns receive; ✘ marks pairs below the \(report.expected.map(String.init) ?? "?") bytes healthy pairs carry."
                    ),
                ])
        ]
        if !report.groups.isEmpty {
            sections.append(
                .init(title: "Where the boundary is", id: "groups", blocks: [.list(report.groups.map(\.description))]))
        }
        sections.append(
            .init(
                title: "Pairs", id: "pairs",
                blocks: [
                    .table(
                        headers: ["from", "to", "path MTU", "verdict", "measured by", "stale"],
                        rows: report.pairs.map {
                            [
                                $0.from, $0.to, $0.pathMTU.map(String.init) ?? "—", $0.verdict.rawValue, $0.measuredBy,
                                $0.stale ? "stale" : "",
                            ]
                        })
                ]))
        return ReportDocument(
            title: "mtu-doctor kube mesh",
            verdict: report.verdict == .incomplete ? "inconclusive" : report.verdict.rawValue,
            headline: report.summary, sections: sections)
    }
}
