import Testing

@testable import MTUCore

@Suite("Mesh matrix and grouping")
struct MeshTests {
    static func measurements(
        _ mtu: (String, String) -> (Int, String), nodes: [(String, String)], stale: Set<String> = []
    ) -> [MeshMeasurement] {
        var out: [MeshMeasurement] = []
        for (from, fromAddress) in nodes {
            for (to, toAddress) in nodes where to != from {
                let (value, verdict) = mtu(from, to)
                out.append(
                    MeshMeasurement(
                        from: from, fromAddress: fromAddress, to: to, toAddress: toAddress, pathMTU: value,
                        verdict: PathVerdict(rawValue: verdict)!, stale: stale.contains(from), measuredBy: from))
            }
        }
        return out
    }

    static let nodes = [("a1", "10.10.10.11"), ("a2", "10.10.10.12"), ("b1", "10.10.20.21"), ("b2", "10.10.20.22")]

    /// Zones that do not follow subnets (every node in its own subnet): the zone label names the boundary.
    @Test func zoneLabelNamesTheBoundary() {
        let nodes = [("a1", "10.1.1.11"), ("a2", "10.1.2.12"), ("b1", "10.1.3.21"), ("b2", "10.1.4.22")]
        let zones = ["a1": "eu-west-1a", "a2": "eu-west-1a", "b1": "eu-west-1b", "b2": "eu-west-1b"]
        let measurements = Self.measurements(
            { from, to in from.first == to.first ? (9001, "ok") : (8500, "ptb") }, nodes: nodes)
        let report = MeshReport.build(measurements, labels: zones, labelKey: "zone")
        let label = report.groups.filter { $0.kind == .label }
        #expect(label.count == 1)
        #expect(
            label.first?.description
                == "all 8 pairs between zone eu-west-1a and eu-west-1b stop at 8500 (ptb); pairs within a zone pass 9001: the boundary is between the zones"
        )
        #expect(report.summary.contains("between zone eu-west-1a and eu-west-1b"))
        // Without labels only subnets, and no label group.
        #expect(!MeshReport.build(measurements).groups.contains { $0.kind == .label })
        // A boundary that does not follow the zones (one node inside zone a): no label group.
        let odd = Self.measurements(
            { from, to in (from == "a2") != (to == "a2") ? (1500, "ptb") : (9001, "ok") }, nodes: nodes)
        #expect(!MeshReport.build(odd, labels: zones).groups.contains { $0.kind == .label })
    }

    @Test func subnetBoundaryInBothDirections() {
        let report = MeshReport.build(
            Self.measurements(
                { from, to in from.first == to.first ? (9000, "ok") : (1500, "blackhole") }, nodes: Self.nodes))
        #expect(report.verdict == .blackhole)
        #expect(report.expected == 9000)
        #expect(report.groups.count == 1)
        let group = report.groups[0]
        #expect(group.pairs == 8)
        #expect(group.description.contains("10.10.10.0/24 ↔ 10.10.20.0/24 stop at 1500 in both directions"))
        #expect(group.description.contains("same-subnet pairs pass 9000"))
        #expect(report.matrix[0][2] == 1500 && report.matrix[0][1] == 9000)
    }

    @Test func oneBrokenNode() {
        let report = MeshReport.build(
            Self.measurements(
                { from, to in from == "b2" || to == "b2" ? (1450, "ptb") : (9000, "ok") }, nodes: Self.nodes))
        #expect(report.groups.count == 1)
        #expect(report.groups[0].kind == .node && report.groups[0].from == "b2")
        #expect(report.groups[0].description.contains("every pair to and from b2 (10.10.20.22) stops at 1450"))
    }

    @Test func asymmetricBoundaryStaysTwoGroups() {
        let report = MeshReport.build(
            Self.measurements(
                { from, to in
                    from.first == "a" && to.first == "b"
                        ? (1500, "ptb") : (from.first == to.first ? (9000, "ok") : (4000, "ptb"))
                }, nodes: Self.nodes))
        #expect(report.groups.count == 2)
        #expect(report.groups.contains { $0.from == "10.10.10.0/24" && $0.pathMTU == 1500 })
        #expect(report.groups.contains { $0.from == "10.10.20.0/24" && $0.pathMTU == 4000 })
    }

    /// A stale "ok" never counts as a healthy measurement: stale pairs are missing.
    @Test func staleResultsAreMissingNotFresh() {
        let report = MeshReport.build(Self.measurements({ _, _ in (9000, "ok") }, nodes: Self.nodes, stale: ["a1"]))
        #expect(report.verdict == .incomplete)
        #expect(report.missing == 3)
        #expect(report.pairs.filter(\.stale).count == 3)
    }

    @Test func directMeasurementWinsOverTheReverse() {
        var list = [
            MeshMeasurement(
                from: "x", fromAddress: "10.0.0.1", to: "y", toAddress: "10.0.0.2", pathMTU: 1400, verdict: .ptb,
                stale: false, measuredBy: "y")
        ]
        list.append(
            MeshMeasurement(
                from: "x", fromAddress: "10.0.0.1", to: "y", toAddress: "10.0.0.2", pathMTU: 1500, verdict: .ok,
                stale: false, measuredBy: "x"))
        let report = MeshReport.build(list)
        #expect(report.pairs.first { $0.from == "x" && $0.to == "y" }?.pathMTU == 1500)
    }
}
