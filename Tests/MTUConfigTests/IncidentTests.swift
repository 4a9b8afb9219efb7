import MTUConfig
import MTUCore
import Testing

@Suite("The three incidents, on paper")
struct IncidentTests {
    @Test func nsxGeneveThroughRoutedFirewall() throws {
        let report = try checkExample("nsx-geneve-firewall")
        #expect(report.verdict == .blackhole)
        let flow = try #require(report.flow("contour-to-apiserver"))
        #expect(flow.verdict == .blackhole)
        #expect(flow.legs.count == 2, "the Edge load balancer proxies: two TCP connections")
        // The certificate flight goes server → client: the reverse direction is the one that breaks.
        #expect(flow.reverse.verdict == .blackhole)
        #expect(flow.reverse.pathMTU == 1450)
        #expect(flow.reverse.largestPacketSent == 1500)
        #expect(flow.reverse.bottleneck.node == "fw-01")
        #expect(flow.reverse.bottleneck.mtu == 1500)
        #expect(flow.reverse.bottleneck.layer == .underlay)
        #expect(flow.reverse.bottleneck.reason.contains("parent fabric-agg carries 1500"))
        #expect(flow.reverse.fate.kind == .silentDrop)
        // The ClientHello fits: the forward direction works today but is latent.
        #expect(flow.forward.verdict == .ok)
        #expect(flow.forward.latent)
        #expect(flow.symptoms.contains { $0.contains("TLS handshake stalls") && $0.contains("10 s") })

        let finding = try #require(report.findings.first)
        #expect(finding.severity == .error)
        #expect(finding.node == "fw-01")
        let fortigate = try #require(finding.fixes.first { $0.vendor == "fortigate" })
        #expect(fortigate.resolvesCause)
        let commands = fortigate.commands.joined(separator: "\n")
        for needed in [
            "set jumbo-frame enable", "edit \"fabric-agg\"", "edit \"vlan-host-tep\"", "edit \"vlan-edge-tep\"",
            "set mtu-override enable", "set mtu 9000",
        ] {
            #expect(commands.contains(needed), "FortiGate fix lacks \(needed)")
        }
    }

    @Test func nsxFixedTwinIsClean() throws {
        let report = try checkExample("nsx-geneve-firewall-fixed")
        #expect(report.verdict == .ok)
        #expect(report.findings.isEmpty)
        #expect(!report.hasProblems)
    }

    @Test func calicoSVIWithStrictRPFilter() throws {
        let report = try checkExample("calico-svi-rpf")
        let cross = try #require(report.flow("worker3-to-apiserver"))
        #expect(cross.verdict == .blackhole)
        #expect(cross.forward.verdict == .ok, "requests from worker3 are small and pass")
        #expect(cross.reverse.pathMTU == 1500)
        #expect(cross.reverse.largestPacketSent == 9000)
        #expect(cross.reverse.bottleneck.node == "ceos01")
        #expect(cross.reverse.bottleneck.interface == "Vlan20")
        #expect(cross.reverse.fate.kind == .ptbLost)
        #expect(cross.reverse.fate.lossReason == .rpFilter)
        #expect(cross.reverse.fate.ptb?.source == "172.20.20.2")
        #expect(cross.reverse.fate.ptb?.receiver == "k01-control-plane")
        // Switched traffic in VLAN 10 never meets the SVI.
        #expect(report.flow("worker-to-apiserver")?.verdict == .ok)
        // Pods at Calico's default 1450 fit through the 1500 SVI.
        #expect(report.flow("pod-to-pod")?.verdict == .ok)

        let finding = try #require(report.findings.first { $0.kind == "ptb-lost-rp-filter" })
        #expect(finding.severity == .error)
        let arista = try #require(finding.fixes.first { $0.vendor == "arista-eos" })
        #expect(arista.commands == ["interface Vlan20", "   mtu 9000"])
        let route = try #require(finding.fixes.first { $0.title.contains("reverse-path filter") })
        #expect(route.commands.contains { $0.hasPrefix("ip route add 172.20.20.2/32 via 10.10.10.1 dev eth1") })
        #expect(route.note?.contains("not a production fix") == true)
        #expect(finding.fixes.contains { $0.commands.contains { $0.contains("--set-mss 1460") } })
    }

    @Test func calicoSVIWithUsablePTBIsDegraded() throws {
        let report = try checkExample("calico-svi")
        let cross = try #require(report.flow("worker3-to-apiserver"))
        #expect(cross.verdict == .degraded)
        #expect(cross.reverse.fate.kind == .ptbReturned)
        #expect(cross.reverse.fate.ptb?.source == "10.10.10.1")
        #expect(report.findings.first?.severity == .warning)
    }

    @Test func calicoFixedTwinIsClean() throws {
        let report = try checkExample("calico-svi-fixed")
        #expect(report.verdict == .ok)
        #expect(!report.hasProblems)
    }

    @Test func ciliumClusterMeshAcrossTransitGateway() throws {
        let report = try checkExample("cilium-clustermesh-tgw")
        let large = try #require(report.flow("frontend-to-backend-large"))
        #expect(large.verdict == .blackhole)
        #expect(large.reverse.pathMTU == 8450)
        #expect(large.reverse.largestPacketSent == 8951)
        #expect(large.reverse.bottleneck.node == "tgw")
        #expect(large.reverse.bottleneck.mtu == 8500)
        #expect(large.reverse.fate.kind == .ptbLost)
        #expect(large.reverse.fate.lossReason == .notRelayed)
        #expect(large.reverse.fate.ptb?.receiver == "node-b1", "the ICMP reaches the node, never the pod")
        // Small requests work.
        #expect(report.flow("frontend-to-backend-health")?.verdict == .ok)
        // Without encapsulation, PMTUD works between the nodes.
        let nodes = try #require(report.flow("node-to-node"))
        #expect(nodes.verdict == .degraded)
        #expect(nodes.forward.fate.kind == .ptbReturned)

        let finding = try #require(report.findings.first)
        let cilium = try #require(finding.fixes.first { $0.vendor == "cilium" })
        #expect(
            cilium.commands.first?.hasPrefix(
                "helm upgrade cilium cilium/cilium -n kube-system --reuse-values --set MTU=8500   # ") == true)
        // One model of the CNI: `check` phrases the same command `kube audit` would for the same Cilium and path.
        let assumed = try #require(CNISettings.assumed(.cilium, encapsulation: try EncapsulationStack.parse("vxlan")))
        #expect(
            cilium.commands.first
                == KubeAuditor.fixPlan(assumed, objects: ClusterObjects(), mtu: 8450, underlayMTU: 8500).first?.command)
        #expect(cilium.resolvesCause, "the gateway cannot change: fitting the pods is the fix")
        #expect(!finding.fixes.contains { $0.vendor == "aws" })
    }

    @Test func ciliumFixedTwinIsClean() throws {
        let report = try checkExample("cilium-clustermesh-tgw-fixed")
        #expect(report.verdict == .ok)
        #expect(report.flow("frontend-to-backend-large")?.reverse.pathMTU == 8450)
        #expect(!report.hasProblems)
    }
}
