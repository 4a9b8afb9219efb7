import Foundation
import MTUTestSupport
import Testing

@testable import MTUCore
@testable import MTUKube

@Suite("CNI readers and the audit, end to end through the stand-in API server", .serialized)
struct KubeAuditTests {
    func gather(_ scenario: String, timeout: Double = 3) async throws -> (KubeGatherer.Gathered, APIServerFixture) {
        let server = try APIServerFixture(scenario: scenario)
        let target = try KubeConfig.resolve(kubeconfig: server.kubeconfig(), context: nil, environment: [:])
        let client = try KubeClient(target: target, timeoutSeconds: timeout)
        return (await KubeGatherer.gather(client), server)
    }

    func input(_ gathered: KubeGatherer.Gathered) -> KubeAuditInput {
        var input = KubeAuditInput(server: "https://fixture", context: "fixture", objects: gathered.objects)
        input.audited = gathered.audited
        input.gaps = gathered.gaps
        return input
    }

    /// Incident 2's shape: jumbo hosts, a 1500-byte hop between the subnets; Calico's operator set 8950.
    @Test func calicoOperatorAboveTheMeasuredPath() async throws {
        let (gathered, _) = try await gather("calico-operator")
        #expect(gathered.fatal == nil)
        #expect(gathered.gaps.isEmpty)
        #expect(gathered.objects.nodes.count == 4, "both pages")
        var input = input(gathered)
        input.nodeFacts = ["n1", "n2", "n3", "n4"].map { NodeFact(node: $0, interfaceMTU: 9000, source: "agent") }
        input.paths = [
            PathFact(from: "n1", to: "n2", pathMTU: 9000), PathFact(from: "n1", to: "n3", pathMTU: 1500),
            PathFact(from: "n3", to: "n4", pathMTU: 9000),
        ]
        let report = KubeAuditor.audit(input)
        let calico = try #require(report.cni.first)
        #expect(calico.name == .calico)
        #expect(calico.install == .operator)
        #expect(calico.encapsulation.description == "vxlan")
        #expect(calico.configuredPodMTU == 8950)
        #expect(report.underlay.effective == 1500)
        #expect(report.underlay.pathMTUPair == "n1 → n3")
        #expect(report.expectedPodMTU == 1450)
        #expect(report.verdict == .problems)
        let ids = report.findings.map(\.kind)
        #expect(ids == ["pod-mtu-too-large", "path-below-interfaces", "mtu-settings-disagree"])
        let fix = try #require(report.findings.first?.commands.first)
        #expect(fix == #"kubectl patch installation default --type=merge -p '{"spec":{"calicoNetwork":{"mtu":1450}}}'"#)
        #expect(
            report.findings[0].details.joined(separator: " ").contains(
                "leave the node as 9000 B, but the underlay carries only 1500 (the smallest path measured between nodes, n1 → n3)"
            ))
        #expect(
            report.findings[2].details.joined(separator: " ").contains(
                "FelixConfiguration default .spec.vxlanMTU = 1450"))
    }

    /// Incident 3's shape: Cilium sizes pods from 9001-byte interfaces; the transit gateway carries 8500.
    @Test func ciliumAutoAboveTheTransitGateway() async throws {
        let (gathered, _) = try await gather("cilium-auto")
        var input = input(gathered)
        input.nodeFacts = ["n1", "n2", "n3", "n4"].map { NodeFact(node: $0, interfaceMTU: 9001, source: "--node-mtu") }
        input.underlayMTU = 8500
        let report = KubeAuditor.audit(input)
        #expect(report.cni.map(\.name.rawValue) == ["cilium"])
        #expect(report.cni[0].detectedBy == ["DaemonSet kube-system/cilium", "ConfigMap kube-system/cilium-config"])
        #expect(report.cni[0].encapsulation.description == "vxlan")
        #expect(report.configuredPodMTU == nil)
        #expect(report.nodes.map(\.autoPodMTU) == [8951, 8951, 8951, 8951])
        #expect(report.expectedPodMTU == 8450)
        #expect(report.findings.first?.kind == "auto-mtu-exceeds-path")
        #expect(
            report.findings.first?.commands.first
                == #"kubectl -n kube-system patch configmap cilium-config --type=merge -p '{"data":{"mtu":"8500"}}'   # Cilium's mtu is the network below the overlay: pods get 8500 − 50 = 8450"#,
            "Cilium's mtu is the device MTU: 8500, not 8450 (which would leave pods 8400)")
        #expect(
            report.findings.first?.commands.contains {
                $0.hasPrefix(
                    "# installed with Helm or the cilium CLI? helm upgrade RELEASE cilium/cilium -n kube-system --reuse-values --set MTU=8500"
                )
            } == true)
        #expect(report.verdict == .problems)
    }

    @Test func flannelFitsAndReportsOK() async throws {
        let (gathered, _) = try await gather("flannel-ok")
        var input = input(gathered)
        input.nodeFacts = [
            NodeFact(node: "n1", interfaceMTU: 1500, podMTU: 1450, source: "agent"),
            NodeFact(node: "n2", interfaceMTU: 1500, source: "agent"),
        ]
        let report = KubeAuditor.audit(input)
        #expect(report.cni.map(\.name.rawValue) == ["flannel"])
        #expect(
            report.cni[0].detectedBy == [
                "DaemonSet kube-flannel/kube-flannel-ds", "ConfigMap kube-flannel/kube-flannel-cfg",
            ])
        #expect(report.expectedPodMTU == 1450)
        #expect(report.findings.isEmpty, "\(report.findings)")
        #expect(report.verdict == .ok)
        #expect(report.summary == "flannel pod MTU auto fits the underlay (at most 1450)")
    }

    @Test func awsVPCCNIDefaultAcrossAGateway() async throws {
        let (gathered, _) = try await gather("aws-vpc-cni")
        var input = input(gathered)
        input.underlayMTU = 8500
        let report = KubeAuditor.audit(input)
        #expect(report.cni.map(\.name.rawValue) == ["aws-vpc-cni"])
        #expect(report.configuredPodMTU == 9001)
        #expect(report.expectedPodMTU == 8500)
        #expect(report.findings.first?.kind == "pod-mtu-too-large")
        #expect(
            report.findings.first?.commands.first == "kubectl -n kube-system set env daemonset aws-node POD_MTU=8500",
            "POD_MTU sizes the pods; the ENIs are the nodes'")
    }

    /// Narrow RBAC and a slow endpoint: one line per gap, and what was readable is still audited.
    @Test func gapsAreNamedAndTheRestIsAudited() async throws {
        let (gathered, server) = try await gather("rbac-limited", timeout: 1.5)
        #expect(gathered.fatal == nil)
        #expect(gathered.gaps.count == 3, "\(gathered.gaps)")
        #expect(
            gathered.gaps[0].hasPrefix("daemonsets, all namespaces: GET /apis/apps/v1/daemonsets: 403 Forbidden (RBAC)")
        )
        #expect(
            gathered.gaps[1].hasPrefix(
                "FelixConfiguration default (crd.projectcalico.org/v1): GET /apis/crd.projectcalico.org/v1/felixconfigurations/default: 403 Forbidden (RBAC)"
            ))
        #expect(
            gathered.gaps[2]
                == "IPPools (crd.projectcalico.org/v1): GET /apis/crd.projectcalico.org/v1/ippools: no answer within 1.5 s"
        )
        #expect(gathered.audited.contains("daemonsets in kube-system"))
        #expect(gathered.audited.contains("daemonsets in calico-system: no such namespace"))
        #expect(server.requests.contains { $0.hasPrefix("GET /apis/apps/v1/namespaces/kube-system/daemonsets") })
        var input = input(gathered)
        input.nodeFacts = [
            NodeFact(node: "n1", interfaceMTU: 1500, source: "--node-mtu"),
            NodeFact(node: "n2", interfaceMTU: 1500, source: "--node-mtu"),
        ]
        let report = KubeAuditor.audit(input)
        let calico = try #require(report.cni.first)
        #expect(calico.name == .calico && calico.install == .manifest)
        #expect(calico.configuredPodMTU == 1480)
        #expect(calico.encapsulation.description == "ipip", "no pool readable: Calico's default")
        #expect(report.expectedPodMTU == 1480)
        #expect(report.findings.isEmpty)
        #expect(report.verdict == .incomplete, "gaps make it incomplete, never ok")
        #expect(report.summary.hasSuffix("; 3 part(s) not readable"))
    }

    @Test func unreachableIsFatalAndSaysSo() async throws {
        let target = KubeTarget(
            context: "x", server: "https://127.0.0.1:\(KubeClientTests.closedPort())", namespace: "default",
            certificateAuthority: nil, insecureSkipTLSVerify: true, tlsServerName: nil, credentials: .none,
            source: "test")
        let gathered = await KubeGatherer.gather(try KubeClient(target: target, timeoutSeconds: 2))
        #expect(gathered.fatal?.description.hasPrefix("API server https://127.0.0.1:") == true)
        #expect(gathered.audited.isEmpty)
    }

    // Pure readers, on the edges the scenarios do not reach.

    @Test func ciliumSpellings() {
        func config(_ data: [String: String]) -> JSONValue {
            .object(["data": .object(data.mapValues { .string($0) })])
        }
        #expect(
            CNIReader.cilium(
                ClusterObjects(),
                config: ("kube-system/cilium-config", config(["routing-mode": "native", "mtu": "9001"])), daemonSet: nil
            ).encapsulation.description == "none")
        #expect(
            CNIReader.cilium(
                ClusterObjects(), config: ("kube-system/cilium-config", config(["tunnel": "geneve"])), daemonSet: nil
            ).encapsulation.description == "geneve")
        #expect(
            CNIReader.cilium(
                ClusterObjects(), config: ("kube-system/cilium-config", config(["tunnel": "disabled"])), daemonSet: nil
            ).encapsulation.description == "none")
        let wg = CNIReader.cilium(
            ClusterObjects(),
            config: (
                "kube-system/cilium-config",
                config(["routing-mode": "tunnel", "tunnel-protocol": "geneve", "enable-wireguard": "true"])
            ), daemonSet: nil)
        #expect(wg.encapsulation.description == "geneve+wireguard")
        #expect(wg.largestPodMTU(underlayMTU: 9001, underlay: .ipv4) < 9001 - 50 - 60 + 1)
        #expect(
            CNIReader.cilium(
                ClusterObjects(), config: ("kube-system/cilium-config", config(["mtu": "1450"])), daemonSet: nil
            ).configuredPodMTU == 1400, "mtu is the device MTU: pods get it minus the 50-byte tunnel")
    }

    @Test func calicoWireGuardAndCrossSubnet() {
        var objects = ClusterObjects()
        objects.calicoIPPools = [
            .object(["spec": .object(["vxlanMode": .string("CrossSubnet"), "ipipMode": .string("Never")])])
        ]
        objects.felixConfiguration = .object([
            "spec": .object(["wireguardEnabled": .bool(true), "wireguardMTU": .number(1420)])
        ])
        let settings = CNIReader.calico(objects, daemonSet: nil)
        #expect(settings.encapsulation.description == "wireguard")
        #expect(settings.configuredPodMTU == 1420)
        objects.felixConfiguration = nil
        let vxlan = CNIReader.calico(objects, daemonSet: nil)
        #expect(vxlan.encapsulation.description == "vxlan" && vxlan.crossSubnetOnly)
        #expect(vxlan.configuredPodMTU == nil)
    }

    @Test func canalIsFlannelWithCalicoPolicy() {
        var objects = ClusterObjects()
        objects.daemonSets = [
            .object(["metadata": .object(["name": .string("canal"), "namespace": .string("kube-system")])]),
            .object(["metadata": .object(["name": .string("calico-node"), "namespace": .string("kube-system")])]),
        ]
        let found = CNIReader.detect(objects)
        #expect(
            found.map(\.name) == [.canal, .calico],
            "Canal is its own CNI (Calico's plugin over Flannel); a calico-node beside it does policy")
        #expect(found[1].notes.last?.contains("policy") == true)
    }

    /// Whatever the CNI: pod-network agents saw pods at 1450 and a pod-to-pod path of 1400.
    @Test func podPathsBelowThePodMTUWithAnUnknownCNI() {
        var objects = ClusterObjects()
        objects.daemonSets = [
            .object(["metadata": .object(["name": .string("weave-net"), "namespace": .string("kube-system")])])
        ]
        var input = KubeAuditInput(server: "s", context: "c", objects: objects)
        input.nodeFacts = [
            NodeFact(node: "a", podMTU: 1450, source: "pod agent"),
            NodeFact(node: "b", podMTU: 1450, source: "pod agent"),
        ]
        input.podPaths = [PathFact(from: "a", to: "b", pathMTU: 1400), PathFact(from: "b", to: "a", pathMTU: 1450)]
        let report = KubeAuditor.audit(input)
        #expect(report.findings.map(\.kind).prefix(2) == ["pod-path-below-pod-mtu", "cni-unknown"])
        #expect(report.findings[0].summary == "Pods send up to 1450 B but 1 pod-to-pod path(s) carry only 1400")
        #expect(
            report.findings[0].details.joined(separator: " ").hasPrefix(
                "Measured by the pod-network agents: a → b 1400."))
        #expect(
            report.findings[1].details.joined(separator: " ").contains(
                "(network DaemonSets seen: kube-system/weave-net)"))
        #expect(report.verdict == .problems)
    }

    @Test func unknownCNIWithoutFacts() {
        let report = KubeAuditor.audit(KubeAuditInput(server: "s", context: "c", objects: ClusterObjects()))
        #expect(report.findings.map(\.kind) == ["cni-unknown", "underlay-unknown"])
        #expect(report.verdict == .incomplete)
    }

    @Test func podsNotRestartedAfterAChange() {
        var objects = ClusterObjects()
        // pods get 1400
        objects.configMaps["kube-system/cilium-config"] = .object(["data": .object(["mtu": .string("1450")])])
        var input = KubeAuditInput(server: "s", context: "c", objects: objects)
        input.nodeFacts = [
            NodeFact(node: "a", interfaceMTU: 1500, podMTU: 1450, source: "agent"),
            NodeFact(node: "b", interfaceMTU: 1500, podMTU: 1400, source: "agent"),
        ]
        let report = KubeAuditor.audit(input)
        #expect(report.findings.map(\.kind).contains("pods-not-updated"))
        #expect(
            report.findings.first { $0.kind == "pods-not-updated" }?.details.joined(separator: " ").hasPrefix(
                "a: 1450.") == true)
    }

    /// Incident 2's other half: strict rp_filter on the nodes (from the host agents' facts) loses the PTB.
    @Test func strictRPFilterAndNoMTUProbing() {
        var objects = ClusterObjects()
        objects.configMaps["kube-system/cilium-config"] = .object(["data": .object(["mtu": .string("8950")])])
        var input = KubeAuditInput(server: "s", context: "c", objects: objects)
        input.nodeFacts = [
            NodeFact(node: "a", interfaceMTU: 9000, rpFilter: 1, tcpMTUProbing: 0, source: "agent"),
            NodeFact(node: "b", interfaceMTU: 9000, rpFilter: 2, tcpMTUProbing: 0, source: "agent"),
        ]
        input.paths = [PathFact(from: "a", to: "b", pathMTU: 1500)]
        let report = KubeAuditor.audit(input)
        #expect(
            report.findings.map(\.kind) == [
                "pod-mtu-too-large", "path-below-interfaces", "strict-rp-filter", "tcp-mtu-probing-off",
            ])
        #expect(report.findings[2].summary.hasPrefix("Strict rp_filter on 1 node(s)"))
        #expect(report.findings[2].details.joined(separator: " ").hasPrefix("a: rp_filter=1"))
        #expect(
            report.findings[3].commands == [
                "sysctl -w net.ipv4.tcp_mtu_probing=1   # on each node; persist it in /etc/sysctl.d/"
            ])
        // Loose or off everywhere and nothing broken: neither is reported.
        input.nodeFacts = input.nodeFacts.map {
            var fact = $0
            fact.rpFilter = 2
            return fact
        }
        input.paths = []
        // pods 8950
        input.objects.configMaps["kube-system/cilium-config"] = .object(["data": .object(["mtu": .string("9000")])])
        #expect(KubeAuditor.audit(input).findings.map(\.kind) == [])
    }
}

/// What `kube audit` does before the audit itself, without the binary: --node-mtu as facts, saved files gathered.
@Suite("kube audit's inputs")
struct KubeAuditInputTests {
    @Test func nodeMTUsBecomeFacts() throws {
        #expect(try KubeAuditInput.parseNodeMTUs("9001") == ["*": 9001])
        #expect(try KubeAuditInput.parseNodeMTUs("a=1500,b=9000") == ["a": 1500, "b": 9000])
        #expect(throws: KubeAuditInput.NodeMTUError.self) { try KubeAuditInput.parseNodeMTUs("a=100") }
        #expect(throws: KubeAuditInput.NodeMTUError.self) { try KubeAuditInput.parseNodeMTUs("a=x") }
        var objects = ClusterObjects()
        _ = objects.add(
            ["n1", "n2"].map { .object(["kind": .string("Node"), "metadata": .object(["name": .string($0)])]) })
        var input = KubeAuditInput(server: "s", context: "c", objects: objects)
        input.addNodeMTUs(["*": 9001, "n2": 1500, "z": 8500, "y": 1400])
        #expect(input.nodeFacts.map(\.node) == ["n1", "n2", "y", "z"], "named nodes not in the objects, sorted")
        #expect(input.nodeFacts.map(\.interfaceMTU) == [9001, 1500, 1400, 8500])
        var empty = KubeAuditInput(server: "s", context: "c", objects: ClusterObjects())
        empty.addNodeMTUs(["*": 9001])
        #expect(empty.nodeFacts.map(\.node) == ["every node (--node-mtu)"])
    }

    @Test func savedFilesAreGatheredTogether() throws {
        let file = "Tests/MTUKubeTests/Fixtures/upstream/flannel-no-backend.yaml"
        let gathered = try KubeObjectsFile.gather([file, file])
        #expect(gathered.audited.count == 2 && gathered.audited[0].hasPrefix("\(file): "))
        #expect(!gathered.objects.daemonSets.isEmpty)
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("mtud-empty-\(getpid()).yaml").path
        try "kind: Secret\nmetadata:\n  name: x\n".write(toFile: empty, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: empty) }
        #expect {
            try KubeObjectsFile.gather([empty])
        } throws: {
            "\($0)".contains("--from-file \(empty): no Node, DaemonSet, ConfigMap or Calico objects in it")
        }
    }
}
