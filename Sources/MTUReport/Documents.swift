import MTUModel

/// Each command's result as a ``ReportDocument`` (for Markdown and HTML).
public enum Documents {
    /// The diagnosis as a document: headline, path, hypotheses, ruled out, fixes, evidence.
    /// Long: the document's sections in reading order, a template.
    public static func diagnosis(_ d: Diagnosis) -> ReportDocument {
        let e = d.evidence
        var sections: [ReportDocument.Section] = []
        var cause: [ReportDocument.Block] = []
        if let top = d.cause {
            cause.append(.paragraph("\(top.title) — \(top.status), \(top.confidence)%. \(top.explanation)"))
            if let hop = top.hop { cause.append(.paragraph("Where: \(hop)\(top.layer.map { " (\($0))" } ?? "")")) }
        }
        if !d.disagreements.isEmpty {
            cause.append(.list(d.disagreements.map { "Configuration vs measurement: \($0)" }))
        }
        sections.append(.init(title: "Cause", id: "cause", blocks: cause))
        var pathBlocks: [ReportDocument.Block] = []
        if !d.path.isEmpty {
            pathBlocks.append(
                .path(
                    d.path,
                    caption: "Measured: TTL-limited small probes name each hop; large ones stop at the marked wall."))
        }
        if let forward = e.forward {
            pathBlocks.append(
                .table(
                    headers: ["direction", "path MTU", "verdict", "how", "what happened"],
                    rows: [
                        [
                            "forward (to the target)", forward.pathMTU.map(String.init) ?? "—",
                            forward.verdict.rawValue, forward.method.description, forward.explanation,
                        ]
                    ]
                        + (e.reverse.map {
                            [
                                [
                                    "reverse (back to us)", $0.pathMTU.map(String.init) ?? "—", $0.verdict.rawValue,
                                    $0.method.description, $0.explanation,
                                ]
                            ]
                        } ?? [])))
        }
        sections.append(.init(title: "Path", id: "path", blocks: pathBlocks))
        if let forward = e.forward, !forward.ladder.isEmpty {
            sections.append(
                .init(
                    title: "Size ladder (forward)", id: "ladder",
                    blocks: [.ladder(forward.ladder, pathMTU: forward.pathMTU)]))
        }
        sections.append(
            .init(title: "Hypotheses, most likely first", id: "hypotheses", blocks: [.hypotheses(d.hypotheses)]))
        if !d.ruledOut.isEmpty {
            sections.append(
                .init(
                    title: "Ruled out", id: "ruled-out",
                    blocks: [.table(headers: ["suspect", "why not"], rows: d.ruledOut.map { [$0.item, $0.why] })]))
        }
        sections.append(.init(title: "Fixes", id: "fixes", blocks: d.fixes.map { .fix($0) }))
        sections.append(.init(title: "Evidence timeline", id: "timeline", blocks: [.timeline(e.steps)]))
        var host: [[String]] = []
        if let interface = e.host.interface {
            host.append(["route interface", "\(interface) (MTU \(e.host.interfaceMTU.map(String.init) ?? "?"))"])
        }
        if let rp = e.host.rpFilter {
            host.append(["rp_filter", "\(rp) (\(rp == 1 ? "strict" : rp == 2 ? "loose" : "off"))"])
        }
        if let probing = e.host.tcpMTUProbing { host.append(["net.ipv4.tcp_mtu_probing", String(probing)]) }
        host.append([
            "MSS clamps",
            e.host.mssClamps.isEmpty
                ? (e.host.mssClampsKnown ? "none" : "unknown (rules not readable)")
                : e.host.mssClamps.map(\.rule).joined(separator: "; "),
        ])
        if !e.host.tunnels.isEmpty {
            host.append([
                "tunnel devices", e.host.tunnels.map { "\($0.name) \($0.kind) MTU \($0.mtu)" }.joined(separator: ", "),
            ])
        }
        if e.host.inPod { host.append(["Kubernetes pod", "yes"]) }
        if let capture = e.capture { host.append(["capture", "\(capture.packets) packets: \(capture.conclusion)"]) }
        sections.append(
            .init(title: "This host", id: "host", blocks: [.table(headers: ["fact", "value"], rows: host)]))
        return ReportDocument(
            title: "mtu-doctor diagnose \(e.target)", verdict: d.verdict.rawValue, headline: d.headline,
            sections: sections)
    }

    public static func check(_ report: CheckReport) -> ReportDocument {
        var sections: [ReportDocument.Section] = []
        for flow in report.flows {
            var blocks: [ReportDocument.Block] = []
            var rows: [[String]] = []
            for leg in flow.legs {
                for (label, direction) in [("forward", leg.forward), ("reverse", leg.reverse)] {
                    rows.append([
                        label, "\(direction.from) → \(direction.to)", String(direction.pathMTU),
                        String(direction.largestPacketSent), direction.verdict.rawValue,
                        "\(direction.bottleneck.place) (\(direction.bottleneck.layer)): \(direction.bottleneck.reason)",
                        direction.fate.summary,
                    ])
                }
                let wallIndex = leg.forward.hops.firstIndex { $0.innerLimit == leg.forward.pathMTU }
                let limited = leg.forward.verdict != .ok || leg.forward.latent
                let hops = leg.forward.hops.enumerated().map { index, hop in
                    DiagnosisHop(
                        label: hop.node, address: hop.interface,
                        state: limited && index == wallIndex
                            ? .wall : (limited && index > (wallIndex ?? Int.max) ? .beyond : .passes),
                        note: "\(hop.role) \(hop.mtu)")
                }
                if !hops.isEmpty {
                    blocks.append(
                        .path(
                            hops,
                            caption:
                                "\(leg.forward.from) → \(leg.forward.to) as the topology describes it: the marked hop limits the flow (role and MTU under each hop)."
                        ))
                }
            }
            blocks.append(
                .table(
                    headers: ["direction", "from → to", "path MTU", "sends ≤", "verdict", "wall", "fate"], rows: rows))
            if !flow.symptoms.isEmpty { blocks.append(.list(flow.symptoms)) }
            sections.append(
                .init(title: "Flow \(flow.name) (\(flow.verdict.rawValue))", id: "flow-\(flow.name)", blocks: blocks))
        }
        for (index, finding) in report.findings.enumerated() {
            var blocks: [ReportDocument.Block] = [.paragraph(finding.summary)]
            if !finding.details.isEmpty { blocks.append(.list(finding.details)) }
            blocks += finding.fixes.map { .fix($0) }
            sections.append(
                .init(
                    title: "Finding \(index + 1) [\(finding.severity.rawValue)] \(finding.kind)",
                    id: "finding-\(index + 1)", blocks: blocks))
        }
        let broken = report.flows.filter { $0.verdict != .ok }.count
        return ReportDocument(
            title: "mtu-doctor check \(report.topology)", verdict: report.verdict.rawValue,
            headline:
                "\(broken) of \(report.flows.count) flows affected, \(report.findings.count) findings\(report.findings.first.map { ": \($0.summary)" } ?? "")",
            sections: sections)
    }

    public static func probe(_ report: ProbeReport) -> ReportDocument {
        let forward = report.forward
        var sections: [ReportDocument.Section] = []
        var hops: [DiagnosisHop] = [DiagnosisHop(label: "this host", address: nil, state: .passes, note: nil)]
        if let wall = forward.wall {
            var beyond = false
            for (index, hop) in wall.hops.enumerated() {
                var state: DiagnosisHop.State = beyond ? .beyond : (hop == nil ? .unknown : .passes)
                if index + 1 == wall.ttl {
                    state = .wall
                    beyond = true
                }
                hops.append(
                    DiagnosisHop(
                        label: "hop \(index + 1)", address: hop, state: state,
                        note: state == .wall ? "large packets stop" : nil))
                if hop == report.address { break }
            }
        } else {
            hops.append(
                DiagnosisHop(
                    label: "target", address: report.address, state: forward.verdict == .ok ? .passes : .wall,
                    note: forward.pathMTU.map { "path MTU \($0)" }))
        }
        sections.append(
            .init(
                title: "Path", id: "path",
                blocks: [
                    .path(
                        hops,
                        caption: "Measured: TTL-limited small probes name each hop; large ones stop at the marked wall."
                    ),
                    .table(
                        headers: ["direction", "path MTU", "verdict", "explanation"],
                        rows: [
                            [
                                "forward", forward.pathMTU.map(String.init) ?? "—", forward.verdict.rawValue,
                                forward.explanation,
                            ],
                            [
                                "reverse", report.reverse.pathMTU.map(String.init) ?? "—",
                                report.reverse.verdict?.rawValue ?? report.reverse.method.rawValue,
                                report.reverse.explanation,
                            ],
                        ]),
                ]))
        let rungs = forward.ladder.map(DiagnosisEvidence.Rung.init)
        sections.append(
            .init(title: "Size ladder (forward)", id: "ladder", blocks: [.ladder(rungs, pathMTU: forward.pathMTU)]))
        if let tls = report.tls {
            sections.append(
                .init(
                    title: "HTTPS signature", id: "tls",
                    blocks: [
                        .table(
                            headers: ["step", "result"],
                            rows: [
                                ["TCP connect", tls.connectMs.map { "\($0) ms" } ?? "failed"],
                                ["plain HTTP", tls.plainHTTPStatus.map { "HTTP \($0)" } ?? "no answer"],
                                ["TLS handshake", tls.handshake.rawValue],
                            ]), .paragraph(tls.conclusion),
                    ]))
        }
        let verdict: String =
            forward.verdict == .blackhole || report.reverse.verdict == .blackhole
            ? "blackhole" : forward.verdict == .ptb ? "degraded" : forward.verdict == .ok ? "ok" : "inconclusive"
        return ReportDocument(
            title: "mtu-doctor probe \(report.target)", verdict: verdict,
            headline:
                "Forward path MTU \(forward.pathMTU.map(String.init) ?? "—") (\(forward.verdict)): \(forward.explanation)",
            sections: sections)
    }

    public static func capture(_ report: CaptureReport, files: [String]) -> ReportDocument {
        var sections: [ReportDocument.Section] = []
        let findings = report.rankedFindings
        for (index, finding) in findings.enumerated() {
            var blocks: [ReportDocument.Block] = [.paragraph(finding.summary)]
            if let proof = finding.proof, !proof.frames.isEmpty {
                blocks.append(
                    .paragraph(
                        "Frames in \(proof.file): \(proof.frames.map(String.init).joined(separator: ", ")) — Wireshark filter: frame.number in {\(proof.frames.map(String.init).joined(separator: " "))}"
                    ))
            }
            sections.append(
                .init(
                    title:
                        "\(index + 1). [\(finding.severity)] \(finding.kind)\(finding.proof?.direction.map { " — \($0)" } ?? "")",
                    id: "finding-\(index + 1)", blocks: blocks))
        }
        let flows = report.flows.filter { $0.stalled || $0.retransmissions > 0 || $0.tls != nil }.prefix(100)
        sections.append(
            .init(
                title: "Connections", id: "connections",
                blocks: [
                    .table(
                        headers: [
                            "file", "connection", "packets", "largest", "MSS c/s", "retransmissions", "TLS", "stalled",
                        ],
                        rows: flows.map {
                            [
                                $0.file, $0.flow, String($0.packets), String($0.largestPacket),
                                "\($0.mssClient.map(String.init) ?? "?")/\($0.mssServer.map(String.init) ?? "?")",
                                String($0.retransmissions),
                                ($0.tls?.rawValue ?? "-") + ($0.tlsHandshakeMs.map { " \(Int($0)) ms" } ?? ""),
                                $0.stalled ? "yes" : "",
                            ]
                        })
                ]))
        return ReportDocument(
            title: "mtu-doctor capture analyze \(files.joined(separator: " "))", verdict: report.verdict.rawValue,
            headline: report.conclusion, sections: sections)
    }
}
