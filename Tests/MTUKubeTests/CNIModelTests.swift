import Foundation
import MTUCore
import MTUTestSupport
import Testing

@testable import MTUKube

/// Each CNI read the way the CNI reads itself, on objects shaped after the upstream manifests, operator and Helm
/// charts (Fixtures/upstream/README.md names the source of each), and every fix applied back to the objects: a fix
/// that does not make the audit come back clean fails.
@Suite("CNI models on upstream-shaped objects")
struct CNIModelTests {
    static let folder = URL(fileURLWithPath: TestSupport.repositoryRoot).appendingPathComponent(
        "Tests/MTUKubeTests/Fixtures/upstream")

    func objects(_ file: String) throws -> ClusterObjects {
        var objects = ClusterObjects()
        _ = objects.add(try KubeObjectsFile.load(Self.folder.appendingPathComponent(file).path))
        return objects
    }

    /// The audit as `kube audit --from-file F --node-mtu N [--underlay-mtu U]` runs it.
    func audit(_ objects: ClusterObjects, nodeMTU: Int?, underlay: Int? = nil) -> KubeAuditReport {
        var input = KubeAuditInput(server: "saved objects", context: "fixture", objects: objects)
        let names = objects.nodes.compactMap { $0[path: "metadata.name"].string }
        if let nodeMTU {
            input.nodeFacts = (names.isEmpty ? ["every node"] : names).map {
                NodeFact(node: $0, interfaceMTU: nodeMTU, source: "--node-mtu")
            }
        }
        input.underlayMTU = underlay
        return KubeAuditor.audit(input)
    }

    /// Applies the fix the audit proposes to the saved objects and audits again: no error may remain.
    func applyFixAndReaudit(
        _ objects: ClusterObjects, nodeMTU: Int?, underlay: Int?,
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) throws -> (KubeAuditReport, [CNIFixStep]) {
        let before = audit(objects, nodeMTU: nodeMTU, underlay: underlay)
        let settings = try #require(before.cni.first, sourceLocation: sourceLocation)
        let expected = try #require(before.expectedPodMTU, sourceLocation: sourceLocation)
        let plan = KubeAuditor.fixPlan(
            settings, objects: objects, mtu: expected, underlayMTU: before.underlay.effective)
        let error = try #require(before.findings.first { $0.severity == .error }, sourceLocation: sourceLocation)
        #expect(error.commands == plan.map(\.command), "the finding prints the plan", sourceLocation: sourceLocation)
        var fixed = objects
        let patches = plan.compactMap(\.patch)
        #expect(!patches.isEmpty, "a fix that changes nothing", sourceLocation: sourceLocation)
        for patch in patches {
            #expect(
                patch.apply(to: &fixed), "patch target \(patch.kind) \(patch.name) exists",
                sourceLocation: sourceLocation)
        }
        let after = audit(fixed, nodeMTU: nodeMTU, underlay: underlay)
        #expect(
            after.findings.filter { $0.severity == .error }.isEmpty,
            "still wrong after the fix: \(after.findings.map(\.summary))", sourceLocation: sourceLocation)
        #expect(after.verdict == .ok, "\(after.summary)", sourceLocation: sourceLocation)
        return (before, plan)
    }

    // MARK: Calico

    /// calico-node's FELIX_VXLANMTU (from veth_mtu "0") outranks FelixConfiguration: its vxlanMTU is not in effect,
    /// and the fix is veth_mtu, never a FelixConfiguration patch that would do nothing.
    @Test func calicoManifestEnvironmentOutranksFelixConfiguration() throws {
        let objects = try objects("calico-manifest-vxlan.yaml")
        let report = audit(objects, nodeMTU: 9000, underlay: 1500)
        let calico = try #require(report.cni.first)
        #expect(calico.name == .calico && calico.install == .manifest)
        #expect(calico.encapsulation.description == "vxlan")
        #expect(calico.version == "3.28.1")
        #expect(calico.configuredPodMTU == nil, "veth_mtu 0 and FELIX_VXLANMTU 0: auto")
        #expect(calico.sources.first { $0.field.hasPrefix("FelixConfiguration") }?.effective == false)
        #expect(calico.notes.contains { $0.contains("FelixConfiguration .spec.vxlanMTU is not in effect") })
        #expect(report.nodes.map(\.autoPodMTU) == [8950, 8950])
        #expect(report.findings.first?.kind == "auto-mtu-exceeds-path")
        let (_, plan) = try applyFixAndReaudit(objects, nodeMTU: 9000, underlay: 1500)
        #expect(
            plan.first?.command
                == #"kubectl -n kube-system patch configmap calico-config --type=merge -p '{"data":{"veth_mtu":"1450"}}'"#
        )
        #expect(plan.contains { $0.command == "kubectl -n kube-system rollout restart daemonset calico-node" })
        #expect(!plan.contains { $0.command.contains("felixconfiguration") })
    }

    /// A literal FELIX_IPINIPMTU on calico-node: the fix sets it too, besides veth_mtu.
    @Test func calicoLiteralEnvironmentIsPatchedWhereItLives() throws {
        let objects = try objects("calico-manifest-ipip-literal.yaml")
        let report = audit(objects, nodeMTU: 9000, underlay: 1500)
        let calico = try #require(report.cni.first)
        #expect(calico.encapsulation.description == "ipip" && calico.configuredPodMTU == 8980)
        #expect(report.expectedPodMTU == 1480)
        let (_, plan) = try applyFixAndReaudit(objects, nodeMTU: 9000, underlay: 1500)
        #expect(
            plan.map(\.command).contains("kubectl -n kube-system set env daemonset/calico-node FELIX_IPINIPMTU=1480"))
    }

    @Test func calicoOperatorInstallationIsTheKnob() throws {
        let objects = try objects("calico-operator.yaml")
        let report = audit(objects, nodeMTU: 9000, underlay: 1500)
        let calico = try #require(report.cni.first)
        #expect(calico.install == .operator && calico.namespace == "calico-system")
        #expect(calico.configuredPodMTU == 8950 && calico.encapsulation.description == "vxlan")
        let (_, plan) = try applyFixAndReaudit(objects, nodeMTU: 9000, underlay: 1500)
        #expect(
            plan.first?.command
                == #"kubectl patch installation default --type=merge -p '{"spec":{"calicoNetwork":{"mtu":1450}}}'"#)
    }

    /// Recognised as an operator install from calico-system and the owner reference: say what to save, never a
    /// calico-config patch for a ConfigMap that does not exist.
    @Test func calicoOperatorWithoutTheInstallationIsIncomplete() throws {
        let report = audit(try objects("calico-operator-no-installation.yaml"), nodeMTU: 1500)
        let calico = try #require(report.cni.first)
        #expect(calico.install == .operator)
        #expect(report.verdict == .incomplete)
        let missing = try #require(report.findings.first { $0.kind == "cni-objects-missing" })
        #expect(
            missing.commands.contains { $0.hasPrefix("kubectl get installations.operator.tigera.io default -o yaml") })
        #expect(!report.findings.flatMap(\.commands).contains { $0.contains("calico-config") })
    }

    /// Calico before 3.17 had no MTU auto-detection: an unset MTU is Felix's default, whatever the host.
    @Test func calicoBeforeAutoMTUUsesFelixDefaults() throws {
        var objects = try objects("calico-manifest-vxlan.yaml")
        objects.daemonSets = objects.daemonSets.map { daemonSet in
            let containers = daemonSet[path: "spec.template.spec.containers"].array.map {
                $0.setting(["image"][...], to: .string("docker.io/calico/node:v3.16.5"))
            }
            return daemonSet.setting(["spec", "template", "spec", "containers"][...], to: .array(containers))
        }
        let report = audit(objects, nodeMTU: 9000, underlay: 1500)
        #expect(report.cni[0].version == "3.16.5")
        #expect(report.cni[0].configuredPodMTU == 1410)
        #expect(report.cni[0].rules?.contains("no auto-detection") == true)
        #expect(report.verdict != .problems, "1410 fits 1500 with VXLAN: \(report.findings.map(\.summary))")
    }

    @Test func calicoWireGuardCarriesEverySubnet() throws {
        let report = audit(try objects("calico-wireguard.yaml"), nodeMTU: 1500)
        let calico = try #require(report.cni.first)
        #expect(calico.encapsulation.description == "wireguard")
        #expect(calico.crossSubnetOnly == false, "WireGuard encrypts all inter-node traffic")
        #expect(calico.reservedOverhead == 60)
        #expect(report.nodes.map(\.autoPodMTU) == [1440])
        #expect(report.verdict == .ok, "\(report.findings.map(\.summary))")
    }

    @Test func canalIsItsOwnCNIWithItsOwnFix() throws {
        let objects = try objects("canal.yaml")
        let report = audit(objects, nodeMTU: 1500, underlay: 1400)
        #expect(report.cni.map(\.name.rawValue) == ["canal"])
        #expect(report.cni[0].configuredPodMTU == 1450 && report.cni[0].encapsulation.description == "vxlan")
        let (_, plan) = try applyFixAndReaudit(objects, nodeMTU: 1500, underlay: 1400)
        #expect(
            plan.first?.command
                == #"kubectl -n kube-system patch configmap canal-config --type=merge -p '{"data":{"veth_mtu":"1350"}}'"#
        )
        #expect(plan.contains { $0.command == "kubectl -n kube-system rollout restart daemonset canal" })
    }

    // MARK: Cilium

    /// Cilium's mtu is the network below the overlay: 9001 gives pods 8951; across an 8500 gateway the fix is
    /// MTU=8500 (pods 8450), never 8450 (pods 8400).
    @Test func ciliumMTUIsTheDeviceMTU() throws {
        let objects = try objects("cilium-1.14-legacy.yaml")
        let report = audit(objects, nodeMTU: 9001, underlay: 8500)
        let cilium = try #require(report.cni.first)
        #expect(cilium.version == "1.14.9" && cilium.baseMTU == 9001 && cilium.reservedOverhead == 50)
        #expect(cilium.configuredPodMTU == 8951)
        #expect(report.findings.first?.kind == "pod-mtu-too-large")
        let (_, plan) = try applyFixAndReaudit(objects, nodeMTU: 9001, underlay: 8500)
        #expect(
            plan.first?.command.hasPrefix(
                "helm upgrade cilium cilium/cilium -n kube-system --reuse-values --set MTU=8500") == true)
    }

    /// Cilium 1.16 reserves WireGuard 80 + VXLAN 50 = 130 bytes; the wire needs 110 over IPv4: reserving more is safe.
    @Test func ciliumReservingMoreThanTheWireIsNotAProblem() throws {
        let report = audit(try objects("cilium-1.16-wireguard.yaml"), nodeMTU: 1500)
        let cilium = try #require(report.cni.first)
        #expect(cilium.reservedOverhead == 130 && cilium.encapsulation.description == "vxlan+wireguard")
        #expect(cilium.configuredPodMTU == 1370)
        #expect(report.expectedPodMTU == 1390)
        #expect(report.findings.allSatisfy { $0.severity != .error }, "\(report.findings.map(\.summary))")
        #expect(report.verdict == .ok)
    }

    @Test func ciliumWireGuardOverheadFollowsTheVersion() throws {
        let current = try #require(audit(try objects("cilium-1.20-native-wireguard.yaml"), nodeMTU: 1500).cni.first)
        #expect(current.reservedOverhead == 95 && current.encapsulation.description == "wireguard")
        #expect(current.rules?.contains("Cilium 1.20.1: WireGuard 95 B") == true)
        #expect(
            CNIRules.cilium(version: .init(1, 19), tunnel: "none", underlayIPv6: false, wireguard: true, ipsec: false)
                .bytes == 80)
        #expect(
            CNIRules.cilium(version: .init(1, 14), tunnel: "vxlan", underlayIPv6: false, wireguard: true, ipsec: false)
                .bytes == 80, "before 1.15 WireGuard replaced the tunnel")
        #expect(
            CNIRules.cilium(version: .init(1, 15), tunnel: "vxlan", underlayIPv6: false, wireguard: true, ipsec: false)
                .bytes == 130)
        #expect(
            CNIRules.cilium(
                version: nil, tunnel: "vxlan", underlayIPv6: false, wireguard: false, ipsec: true, ipsecKeyBytes: 32
            ).bytes == 50 + 77 + 16)
    }

    @Test func ciliumIPv6UnderlayReservesSeventy() throws {
        let report = audit(try objects("cilium-ipv6-underlay.yaml"), nodeMTU: 1500)
        let cilium = try #require(report.cni.first)
        #expect(cilium.reservedOverhead == 70 && cilium.configuredPodMTU == 1430)
        #expect(report.underlay.ipVersion == "ipv6" && report.expectedPodMTU == 1430)
        #expect(report.verdict == .ok, "\(report.findings.map(\.summary))")
    }

    @Test func invalidSettingsAreFindingsNeverOK() throws {
        let cilium = audit(try objects("cilium-invalid.yaml"), nodeMTU: 1500)
        #expect(cilium.findings.filter { $0.kind == "cni-setting-invalid" }.count == 2)
        #expect(cilium.verdict == .problems)
        let aws = audit(try objects("aws-vpc-cni-invalid.yaml"), nodeMTU: 9001)
        let invalid = aws.findings.filter { $0.kind == "cni-setting-invalid" }.map { $0.details.joined(separator: " ") }
        #expect(invalid.count == 2)
        #expect(invalid.contains { $0.contains("AWS_VPC_ENI_MTU = 10000 is outside 576–9001") })
        #expect(invalid.contains { $0.contains("POD_MTU = \"abc\" is not a number") })
        var calico = try objects("calico-manifest-vxlan.yaml")
        ObjectPatch(
            kind: "ConfigMap", namespace: "kube-system", name: "calico-config",
            change: .set(path: ["data", "veth_mtu"], value: .string("abc"))
        ).apply(to: &calico)
        #expect(audit(calico, nodeMTU: 1500).findings.contains { $0.kind == "cni-setting-invalid" })
    }

    // MARK: Flannel

    /// Old installs: everything in kube-system, the DaemonSet named per architecture; the delegate's mtu is what
    /// pods get, so the fix edits it there.
    @Test func flannelFixUsesTheNamesFound() throws {
        let objects = try objects("flannel-old.yaml")
        let report = audit(objects, nodeMTU: 9000, underlay: 1500)
        let flannel = try #require(report.cni.first)
        #expect(flannel.namespace == "kube-system" && flannel.daemonSet == "kube-flannel-ds-amd64")
        #expect(flannel.configuredPodMTU == 8950)
        let (_, plan) = try applyFixAndReaudit(objects, nodeMTU: 9000, underlay: 1500)
        #expect(
            plan.first?.command.hasPrefix(
                "kubectl -n kube-system patch configmap kube-flannel-cfg --type=merge -p '{\"data\":{\"cni-conf.json\":"
            ) == true)
        #expect(
            plan.contains { $0.command == "kubectl -n kube-system rollout restart daemonset kube-flannel-ds-amd64" })
    }

    @Test func flannelWithoutBackendIsUDP() throws {
        let report = audit(try objects("flannel-no-backend.yaml"), nodeMTU: 1500)
        let flannel = try #require(report.cni.first)
        #expect(flannel.encapsulation.description == "udp" && flannel.reservedOverhead == 28)
        #expect(report.nodes.map(\.autoPodMTU) == [1472] && report.expectedPodMTU == 1472)
    }

    @Test func flannelLowerCaseKeysAndHelm() throws {
        let objects = try objects("flannel-lowercase-helm.yaml")
        let report = audit(objects, nodeMTU: 9000, underlay: 1500)
        let flannel = try #require(report.cni.first)
        #expect(
            flannel.encapsulation.description == "vxlan" && flannel.baseMTU == 9000 && flannel.configuredPodMTU == 8950)
        #expect(flannel.helmRelease == "flannel" && flannel.install == .helm)
        let (_, plan) = try applyFixAndReaudit(objects, nodeMTU: 9000, underlay: 1500)
        #expect(
            plan.first?.command.contains(#"\"backend\":{\"mtu\":1500,\"type\":\"VXLAN\"}"#) == true,
            "\(plan.first?.command ?? "")")
        #expect(plan.contains { $0.command.contains("lost on the next helm upgrade") })
    }

    // MARK: AWS VPC CNI

    @Test func awsPodMTUBelowENIIsDeliberate() throws {
        let report = audit(try objects("aws-vpc-cni.yaml"), nodeMTU: 9001, underlay: 8500)
        #expect(report.cni.map(\.name.rawValue) == ["aws-vpc-cni", "calico"])
        #expect(report.cni[1].policyOnly && report.cni[1].encapsulation.description == "none")
        #expect(report.configuredPodMTU == 8500)
        #expect(!report.findings.contains { $0.kind == "mtu-settings-disagree" })
        #expect(report.verdict == .ok, "\(report.findings.map(\.summary))")
        var tooLarge = try objects("aws-vpc-cni.yaml")
        ObjectPatch(
            kind: "DaemonSet", namespace: "kube-system", name: "aws-node",
            change: .setEnv(name: "POD_MTU", value: "9001")
        ).apply(to: &tooLarge)
        let (_, plan) = try applyFixAndReaudit(tooLarge, nodeMTU: 9001, underlay: 8500)
        #expect(plan.first?.command == "kubectl -n kube-system set env daemonset aws-node POD_MTU=8500")
    }

    // MARK: Input as users save it

    @Test func savedFilesInEveryEncodingUsersProduce() throws {
        let items = try KubeObjectsFile.load(Self.folder.appendingPathComponent("calico-operator.yaml").path)[0][
            "items"
        ].array
        let documents = items.map(\.compactJSON)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mtu-doctor-saved-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let concatenated = documents.joined(separator: "\r\n")
        var variants: [String: Data] = [
            "bom-crlf.json": Data([0xEF, 0xBB, 0xBF]) + Data(("[" + documents.joined(separator: ",\r\n") + "]").utf8),
            "concatenated.json": Data(concatenated.utf8),
        ]
        var utf16 = Data([0xFF, 0xFE])
        utf16.append(concatenated.data(using: .utf16LittleEndian)!)
        variants["utf16.json"] = utf16
        let yaml = try String(contentsOf: Self.folder.appendingPathComponent("calico-operator.yaml"), encoding: .utf8)
        variants["crlf.yaml"] = Data([0xEF, 0xBB, 0xBF]) + Data(yaml.replacingOccurrences(of: "\n", with: "\r\n").utf8)
        for (name, data) in variants {
            let path = directory.appendingPathComponent(name).path
            try data.write(to: URL(fileURLWithPath: path))
            var objects = ClusterObjects()
            let counts = objects.add(try KubeObjectsFile.load(path))
            #expect(counts == ["Node": 2, "Installation": 1, "DaemonSet": 1], "\(name)")
        }
        let broken = directory.appendingPathComponent("broken.json").path
        try Data((documents[0] + "\n" + "{\"kind\": \"Node\",\n  \"metadata\": {\"name\" \"x\"}}").utf8).write(
            to: URL(fileURLWithPath: broken))
        #expect(throws: KubeConfigError.self) { try KubeObjectsFile.load(broken) }
        do { _ = try KubeObjectsFile.load(broken) } catch {
            #expect(error.description.hasPrefix("\(broken):3:"), "\(error.description)")
        }
    }

    /// Hostile saved files (issue 16): an alias bomb and deep nesting end at once with one line, bounded memory.
    @Test func hostileSavedFilesEndAtOnce() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "mtu-doctor-hostile-objects-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var laughs = [#"a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]"#]
        for level in 1..<10 {
            laughs.append(
                "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ",") + "]")
        }
        let bomb = directory.appendingPathComponent("bomb.yaml").path
        try laughs.joined(separator: "\n").write(toFile: bomb, atomically: true, encoding: .utf8)
        let start = ContinuousClock.now
        #expect(
            throws: KubeConfigError(
                "\(bomb): more than 5000000 values once YAML aliases are expanded: refused (an alias bomb?)")
        ) {
            try KubeObjectsFile.load(bomb)
        }
        #expect(ContinuousClock.now - start < .seconds(20))
        let deep = directory.appendingPathComponent("deep.json").path
        try (String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)).write(
            toFile: deep, atomically: true, encoding: .utf8)
        #expect(throws: KubeConfigError.self) { try KubeObjectsFile.load(deep) }
        #expect(
            throws: KubeConfigError(
                "--from-file /dev/zero: not a regular file (a saved `kubectl get -o yaml|json` output is)")
        ) {
            try KubeObjectsFile.load("/dev/zero")
        }
    }
}
