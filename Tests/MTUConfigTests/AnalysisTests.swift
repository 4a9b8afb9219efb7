import Foundation
import MTUConfig
import MTUCore
import Testing

/// Two hosts in two subnets, routed by `r1`; the router's interface toward b is `wall` bytes.
private func routed(
    wall: Int = 1500, icmp: String = "", routerExtra: String = "", aExtra: String = "", flowExtra: String = "",
    proto: String = "tcp",
    aRoutes: String = "      - { to: default, interface: eth0 }"
) -> String {
    """
    name: routed
    segments:
      - { name: net-a }
      - { name: net-b }
    nodes:
      - name: a
        kind: host
        interfaces:
          - { name: eth0, mtu: 9000, segment: net-a, address: 10.0.1.10/24 }
          - { name: mgmt, mtu: 1500, address: 192.168.99.10/24 }
        routes:
    \(aRoutes)
    \(aExtra)
      - name: b
        kind: host
        interfaces:
          - { name: eth0, mtu: 9000, segment: net-b, address: 10.0.2.10/24 }
      - name: r1
        kind: router
        vendor: linux
    \(icmp)
    \(routerExtra)
        interfaces:
          - { name: to-a, mtu: 9000, segment: net-a, address: 10.0.1.1/24 }
          - { name: to-b, mtu: \(wall), segment: net-b, address: 10.0.2.1/24 }
    flows:
      - name: f
        from: a
        to: b
        protocol: \(proto)
    \(flowExtra)
    """
}

@Suite("Path analysis mechanics")
struct AnalysisTests {
    @Test func ptbHonouredIsDegraded() throws {
        let flow = try #require(try check(routed()).flow("f"))
        #expect(flow.forward.verdict == .degraded)
        #expect(flow.forward.fate.kind == .ptbReturned)
        #expect(flow.forward.fate.ptb?.source == "10.0.1.1")
        #expect(flow.forward.pathMTU == 1500)
        // b → a: b's 9000 packets cross r1 from to-b (1500) … the arrival interface accepts them (Linux router
        // with MTU 1500 drops frames above it on arrival: a silent wall).
        #expect(flow.reverse.verdict == .blackhole)
        #expect(flow.reverse.fate.kind == .silentDrop)
        #expect(flow.reverse.bottleneck.role == .receiver)
    }

    @Test func routerWithoutICMPIsABlackHole() throws {
        let flow = try #require(try check(routed(icmp: "    icmp: { sendsTooBig: false }")).flow("f"))
        #expect(flow.forward.verdict == .blackhole)
        #expect(flow.forward.fate.kind == .silentDrop)
    }

    @Test(
        "rp_filter decides the PTB's fate",
        arguments: [
            // (rp_filter, ICMP source, verdict, lost reason)
            (1, "192.168.99.1", Verdict.blackhole, "rp_filter"),  // arrives on eth0, route back via mgmt
            (2, "192.168.99.1", Verdict.degraded, nil),  // loose: some route exists
            (2, "203.0.113.9", Verdict.degraded, nil),  // loose: the default route covers it
            (0, "192.168.99.1", Verdict.degraded, nil),
            (1, "10.0.1.1", Verdict.degraded, nil),  // interface address: strict check passes
        ])
    func rpFilter(mode: Int, source: String, verdict: Verdict, reason: String?) throws {
        let yaml = routed(
            icmp: "    icmp: { source: \(source), sourceLabel: management }",
            aExtra: "    sysctls: { net.ipv4.conf.all.rp_filter: \(mode) }")
        let flow = try #require(try check(yaml).flow("f"))
        #expect(flow.forward.verdict == verdict)
        #expect(flow.forward.fate.lossReason?.rawValue == reason)
    }

    @Test func looseRPFilterWithoutAnyRouteStillDrops() throws {
        let yaml = routed(
            icmp: "    icmp: { source: 172.31.0.1 }", aExtra: "    sysctls: { net.ipv4.conf.all.rp_filter: 2 }",
            aRoutes: "      - { to: 10.0.0.0/16, interface: eth0 }")
        let flow = try #require(try check(yaml).flow("f"))
        #expect(flow.forward.verdict == .blackhole)
        #expect(flow.forward.fate.lossReason == .rpFilter)
    }

    @Test func perInterfaceRPFilterCountsWhenHigher() throws {
        let yaml = routed(
            icmp: "    icmp: { source: 192.168.99.1 }",
            aExtra: "    sysctls: { net.ipv4.conf.all.rp_filter: 0, net.ipv4.conf.eth0.rp_filter: 1 }")
        #expect(try check(yaml).flow("f")?.forward.fate.lossReason == .rpFilter)
    }

    @Test func tcpMTUProbingRescues() throws {
        let yaml = routed(
            icmp: "    icmp: { sendsTooBig: false }", aExtra: "    sysctls: { net.ipv4.tcp_mtu_probing: 1 }")
        let flow = try #require(try check(yaml).flow("f"))
        #expect(flow.forward.verdict == .degraded)
        #expect(flow.forward.fate.rescuedByMTUProbing)
        // UDP has no such rescue.
        let udp = routed(
            icmp: "    icmp: { sendsTooBig: false }", aExtra: "    sysctls: { net.ipv4.tcp_mtu_probing: 1 }",
            proto: "udp")
        #expect(try check(udp).flow("f")?.forward.verdict == .blackhole)
    }

    @Test func mssClampAvoidsTheWall() throws {
        let flow = try #require(try check(routed(routerExtra: "    mssClamp: 1460")).flow("f"))
        #expect(flow.forward.largestPacketSent == 1500)
        #expect(flow.forward.verdict == .ok)
        // clamp-to-pmtu uses the route MTU toward each SYN's destination: a's SYN leaves r1 by to-b (1500), so b's
        // segments shrink; b's SYN-ACK leaves by to-a (9000), so a's do not (a relies on PMTUD as before).
        let pmtu = try #require(try check(routed(routerExtra: "    mssClamp: pmtu")).flow("f"))
        #expect(pmtu.reverse.largestPacketSent == 1500)
        #expect(pmtu.reverse.verdict == .ok)
        #expect(pmtu.forward.largestPacketSent == 9000)
        #expect(pmtu.forward.verdict == .degraded)
        // The clamp does nothing for UDP.
        #expect(
            try check(routed(routerExtra: "    mssClamp: 1460", proto: "udp")).flow("f")?.forward.verdict == .degraded)
    }

    @Test func smallMessagesFitButTheWallIsLatent() throws {
        let yaml = routed(
            icmp: "    icmp: { sendsTooBig: false }", flowExtra: "    messages: { forward: 1000, reverse: 1000 }")
        let report = try check(yaml)
        let flow = try #require(report.flow("f"))
        #expect(flow.forward.verdict == .ok)
        #expect(flow.forward.latent)
        #expect(flow.forward.messagePacket == 1040)
        #expect(report.findings.contains { $0.summary.hasPrefix("Latent") })
    }

    @Test func filteredPTB() throws {
        let yaml = """
            name: filtered
            segments: [{ name: s1 }, { name: s2 }, { name: s3 }]
            nodes:
              - { name: a, kind: host, interfaces: [{ name: eth0, mtu: 9000, segment: s1, address: 10.0.1.2/24 }] }
              - name: fw
                kind: firewall
                icmp: { filtersTooBig: true }
                interfaces:
                  - { name: in, mtu: 9000, segment: s1, address: 10.0.1.1/24 }
                  - { name: out, mtu: 9000, segment: s2, address: 10.0.2.1/24 }
              - name: r
                kind: router
                interfaces:
                  - { name: in, mtu: 9000, segment: s2, address: 10.0.2.2/24 }
                  - { name: out, mtu: 1500, segment: s3, address: 10.0.3.1/24 }
              - { name: b, kind: host, interfaces: [{ name: eth0, mtu: 9000, segment: s3, address: 10.0.3.2/24 }] }
            flows:
              - { name: f, from: a, to: b }
            """
        let report = try check(yaml)
        let flow = try #require(report.flow("f"))
        #expect(flow.forward.fate.kind == .ptbLost)
        #expect(flow.forward.fate.lossReason == .filtered)
        #expect(
            report.findings.first?.fixes.contains { $0.commands.contains { $0.contains("fragmentation-needed") } }
                == true)
    }

    @Test func l2MismatchInsideOneSegmentIsSilent() throws {
        let yaml = """
            name: l2
            segments: [{ name: lan }]
            nodes:
              - { name: a, kind: host, interfaces: [{ name: eth0, mtu: 9000, segment: lan }] }
              - { name: b, kind: host, interfaces: [{ name: eth0, mtu: 1500, segment: lan }] }
            flows:
              - { name: udp, from: a, to: b, protocol: udp }
              - { name: tcp, from: a, to: b, protocol: tcp }
            """
        let report = try check(yaml)
        #expect(report.flow("udp")?.forward.verdict == .blackhole)
        #expect(report.flow("udp")?.forward.fate.kind == .silentDrop)
        #expect(report.flow("tcp")?.verdict == .ok, "the MSS exchange keeps TCP within b's 1500")
        #expect(report.findings.first?.kind == "l2-mtu-mismatch")
    }

    @Test func segmentLimitBetweenJumboHosts() throws {
        let yaml = """
            name: l2seg
            segments: [{ name: lan, mtu: 1500, switches: [tor1] }]
            nodes:
              - { name: a, kind: host, interfaces: [{ name: eth0, mtu: 9000, segment: lan }] }
              - { name: b, kind: host, interfaces: [{ name: eth0, mtu: 9000, segment: lan }] }
            flows:
              - { name: f, from: a, to: b }
            """
        let flow = try #require(try check(yaml).flow("f"))
        #expect(flow.forward.bottleneck.node == "tor1")
        #expect(flow.forward.bottleneck.segment == "lan")
        #expect(flow.forward.fate.kind == .silentDrop)
    }

    /// A two-node overlay over a routed 1500 underlay, pods at `podMTU`, with the given DF and relay behaviour.
    private func overlay(podMTU: Int, outerDF: String, relays: Bool = false, endpointMTU: Int = 9000) -> String {
        """
        name: overlay
        segments: [{ name: s1 }, { name: s2 }]
        nodes:
          - { name: n1, kind: host, interfaces: [{ name: eth0, mtu: \(endpointMTU), segment: s1, address: 10.0.1.2/24 }], routes: [{ to: default, interface: eth0 }] }
          - { name: n2, kind: host, interfaces: [{ name: eth0, mtu: 9000, segment: s2, address: 10.0.2.2/24 }], routes: [{ to: default, interface: eth0 }] }
          - name: r
            kind: router
            interfaces:
              - { name: a, mtu: 9000, segment: s1, address: 10.0.1.1/24 }
              - { name: b, mtu: 1500, segment: s2, address: 10.0.2.1/24 }
          - { name: p1, kind: pod, host: n1, overlay: ov, interfaces: [{ name: eth0, mtu: \(podMTU) }] }
          - { name: p2, kind: pod, host: n2, overlay: ov, interfaces: [{ name: eth0, mtu: \(podMTU) }] }
        overlays:
          - name: ov
            provider: calico
            encapsulation: vxlan
            outerDF: \(outerDF)
            relaysPTB: \(relays)
            endpoints: [{ node: n1, interface: eth0 }, { node: n2, interface: eth0 }]
        flows:
          - { name: f, from: p1, to: p2 }
        """
    }

    @Test func overlayOuterDFDecidesTheFate() throws {
        let unset = try #require(try check(overlay(podMTU: 8950, outerDF: "unset")).flow("f"))
        #expect(unset.forward.fate.kind == .fragmented)
        #expect(unset.forward.verdict == .degraded)
        #expect(unset.forward.pathMTU == 1450)

        let set = try #require(try check(overlay(podMTU: 8950, outerDF: "set")).flow("f"))
        #expect(set.forward.verdict == .blackhole)
        #expect(set.forward.fate.lossReason == .notRelayed)
        #expect(set.forward.fate.ptb?.receiver == "n1")

        let relayed = try #require(try check(overlay(podMTU: 8950, outerDF: "set", relays: true)).flow("f"))
        #expect(relayed.forward.verdict == .degraded)
        #expect(relayed.forward.fate.kind == .ptbReturned)

        let fits = try check(overlay(podMTU: 1450, outerDF: "set"))
        #expect(fits.verdict == .ok)
    }

    /// The tunnel endpoint's own MTU is the wall: no router sends a PTB, and the endpoint does not tell the pod. The
    /// fate has no PTB to name, and the finding says who drops the packets instead of naming an empty receiver.
    @Test func aTunnelEndpointsOwnMTUIsAWallWithoutAPTB() throws {
        let report = try check(overlay(podMTU: 8950, outerDF: "set", endpointMTU: 1500))
        let flow = try #require(report.flow("f"))
        #expect(flow.forward.verdict == .blackhole)
        #expect(
            flow.forward.fate.outcome
                == .ptbLost(at: .init(node: "n1", interface: "eth0"), ptb: nil, reason: .notRelayed))
        let finding = try #require(report.findings.first { $0.kind == "ptb-not-relayed" })
        #expect(
            finding.summary.contains("the tunnel endpoint n1 drops them and never tells the pod"), "\(finding.summary)")
        #expect(!finding.summary.contains("endpoint  and"))
    }

    @Test func podMTUAboveUnderlayIsReported() throws {
        let yaml = overlay(podMTU: 8950, outerDF: "set").replacingOccurrences(
            of: "mtu: 9000, segment: s1", with: "mtu: 1500, segment: s1")
        let report = try check(yaml)
        let finding = try #require(report.findings.first { $0.kind == "pod-mtu-exceeds-underlay" })
        #expect(finding.severity == .error)
        #expect(finding.fixes.first?.commands.first?.contains("\"mtu\":1450") == true)
    }

    @Test func asymmetricReversePath() throws {
        // a ⇄ b through r1 forward, but b answers through r2, whose link is 1500 and which sends no ICMP.
        let yaml = """
            name: asym
            segments: [{ name: s1 }, { name: s2 }]
            nodes:
              - { name: a, kind: host, interfaces: [{ name: eth0, mtu: 9000, segment: s1 }] }
              - { name: b, kind: host, interfaces: [{ name: eth0, mtu: 9000, segment: s2 }] }
              - name: r1
                kind: router
                interfaces: [{ name: x, mtu: 9000, segment: s1 }, { name: y, mtu: 9000, segment: s2 }]
              - name: r2
                kind: router
                icmp: { sendsTooBig: false }
                interfaces: [{ name: x, mtu: 1500, segment: s1 }, { name: y, mtu: 9000, segment: s2 }]
            flows:
              - { name: f, from: a, to: b, via: [r1], reverseVia: [r2], protocol: udp }
            """
        let flow = try #require(try check(yaml).flow("f"))
        #expect(flow.forward.verdict == .ok)
        #expect(flow.reverse.verdict == .blackhole)
        #expect(flow.reverse.bottleneck.node == "r2")
    }

    @Test func vlanSubInterfaceInheritsParent() throws {
        let network = try Network(
            try TopologyLoader.parse(
                """
                name: inherit
                nodes:
                  - name: fw
                    kind: firewall
                    maxMTU: 9216
                    interfaces:
                      - { name: port1, mtu: 1500 }
                      - { name: vlan10, parent: port1 }
                      - { name: vlan20, parent: port1, mtu: 9000 }
                      - { name: vlan30, parent: port1, mtu: 1400 }
                """))
        let table = network.effectiveMTUs(of: "fw")
        #expect(table["vlan10"]?.mtu == 1500)
        #expect(table["vlan10"]?.reason == "inherits 1500 from parent port1")
        #expect(table["vlan20"]?.mtu == 1500)
        #expect(table["vlan20"]?.configuredAboveEffective == true)
        #expect(table["vlan30"]?.mtu == 1400)
    }

    /// Every example's report reads back from its JSON to the same value: the fate's hand-written coding (flat keys,
    /// the outcome's specifics) loses nothing, for each outcome the examples reach.
    @Test func reportsReadBackFromTheirJSON() throws {
        let directory = "\(repositoryRoot)/examples"
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".yaml") }
        var kinds: Set<FateKind> = []
        for file in files.sorted() {
            let report = try Analyzer.check(try TopologyLoader.load(path: "\(directory)/\(file)"))
            let data = try JSONEncoder().encode(report)
            #expect(try JSONDecoder().decode(CheckReport.self, from: data) == report, "\(file)")
            for flow in report.flows { kinds.formUnion([flow.forward.fate.kind, flow.reverse.fate.kind]) }
        }
        #expect(kinds.isSuperset(of: [.delivered, .ptbLost, .silentDrop, .ptbReturned]), "\(kinds)")
        // A direction's wall is its path MTU and its bottleneck, one byte above failing unless the sender limits.
        let nsx = try checkExample("nsx-geneve-firewall")
        let wall = try #require(nsx.flow("contour-to-apiserver")).reverse.wall
        #expect(wall.largestPassing == 1450 && wall.smallestFailing == 1451)
        #expect(wall.hop?.hasPrefix("fw-01") == true && wall.layer == .underlay && wall.lastGoodHop == nil)
        let hop = PathFate.Hop(node: "r1", interface: "eth1")
        let ptb = PathFate.TooBig(mtu: 1400, source: "10.0.0.1", receiver: "a", receiverInterface: "eth0", gateway: "g")
        let outcomes: [PathFate] =
            [.delivered, .fragmented(at: hop), .silentDrop(at: hop), .ptbReturned(at: hop, ptb: ptb)]
            + PathFate.LossReason.allCases.flatMap {
                [.ptbLost(at: hop, ptb: ptb, reason: $0), .ptbLost(at: hop, ptb: nil, reason: $0)]
            }
        for outcome in outcomes {
            let fate = Fate(outcome, summary: "s", rescuedByMTUProbing: true)
            #expect(try JSONDecoder().decode(Fate.self, from: JSONEncoder().encode(fate)) == fate, "\(outcome)")
        }
        let missing = Data(#"{"kind":"ptbReturned","summary":"s","node":"r1","rescuedByMTUProbing":false}"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Fate.self, from: missing) }
    }
}
