import Foundation
import MTUCore
import MTUTestSupport
import Testing
import Yams

/// The agent manifests parse as Kubernetes objects and ask for nothing privileged.
@Suite("Kubernetes manifests")
struct ManifestTests {
    static func documents() throws -> [[String: Any]] {
        try Yams.load_all(yaml: KubeManifests.render()).compactMap { $0 as? [String: Any] }
    }

    @Test func objectsAndLeastPrivilege() throws {
        let documents = try Self.documents()
        #expect(
            documents.map { $0["kind"] as? String ?? "" } == [
                "Namespace", "ServiceAccount", "Role", "RoleBinding", "ClusterRole", "Service", "DaemonSet", "Service",
                "DaemonSet",
            ])
        let daemonSets = documents.filter { $0["kind"] as? String == "DaemonSet" }
        #expect(daemonSets.count == 2)
        var hostNetworks: [Bool] = []
        for daemonSet in daemonSets {
            let pod = try #require(
                ((daemonSet["spec"] as? [String: Any])?["template"] as? [String: Any])?["spec"] as? [String: Any])
            hostNetworks.append(pod["hostNetwork"] as? Bool ?? false)
            let podSecurity = try #require(pod["securityContext"] as? [String: Any])
            #expect(podSecurity["runAsNonRoot"] as? Bool == true)
            #expect(pod["automountServiceAccountToken"] as? Bool == false)
            let container = try #require((pod["containers"] as? [[String: Any]])?.first)
            let security = try #require(container["securityContext"] as? [String: Any])
            #expect(security["readOnlyRootFilesystem"] as? Bool == true)
            #expect(security["allowPrivilegeEscalation"] as? Bool == false)
            #expect(security["privileged"] == nil)
            let capabilities = try #require(security["capabilities"] as? [String: Any])
            #expect(capabilities["drop"] as? [String] == ["ALL"] && capabilities["add"] as? [String] == ["NET_RAW"])
            let limits = ((container["resources"] as? [String: Any])?["limits"] as? [String: Any]) ?? [:]
            #expect(limits["memory"] as? String == "64Mi" && limits["cpu"] != nil)
            #expect(
                (container["livenessProbe"] as? [String: Any]) != nil
                    && (container["readinessProbe"] as? [String: Any]) != nil)
            let arguments = container["args"] as? [String] ?? []
            #expect(arguments.first == "agent" && arguments.contains { $0.hasPrefix("--dns=") })
        }
        #expect(Set(hostNetworks) == [true, false], "one DaemonSet on the pod network, one on the host network")
        let role = try #require(documents.first { $0["kind"] as? String == "Role" })
        let verbs = Set(((role["rules"] as? [[String: Any]]) ?? []).flatMap { $0["verbs"] as? [String] ?? [] })
        #expect(verbs.isSubset(of: ["get", "list", "watch"]), "read-only")
        #expect(
            !documents.contains { $0["kind"] as? String == "ClusterRoleBinding" || $0["kind"] as? String == "Secret" },
            "the auditor role is not bound to anyone")
        let auditor = try #require(documents.first { $0["kind"] as? String == "ClusterRole" })
        let rules = (auditor["rules"] as? [[String: Any]]) ?? []
        #expect(Set(rules.flatMap { $0["verbs"] as? [String] ?? [] }).isSubset(of: ["get", "list"]), "read-only")
        let configMaps = try #require(rules.first { ($0["resources"] as? [String]) == ["configmaps"] })
        #expect(
            (configMaps["resourceNames"] as? [String])?.contains("cilium-config") == true, "ConfigMaps by name only")
        #expect(!rules.contains { ($0["resources"] as? [String])?.contains("secrets") == true })
    }

    /// The audit reads exactly what the auditor role allows: every request `KubeGatherer` makes is covered.
    @Test func auditorRoleCoversTheAuditsReads() throws {
        let rules =
            (try #require(Self.documents().first { $0["kind"] as? String == "ClusterRole" })["rules"]
                as? [[String: Any]]) ?? []
        func allowed(_ group: String, _ resource: String, _ verb: String, _ name: String? = nil) -> Bool {
            rules.contains { rule in
                (rule["apiGroups"] as? [String])?.contains(group) == true
                    && (rule["resources"] as? [String])?.contains(resource) == true
                    && (rule["verbs"] as? [String])?.contains(verb) == true
                    && (name == nil || (rule["resourceNames"] as? [String]).map { $0.contains(name!) } ?? true)
            }
        }
        #expect(allowed("", "nodes", "list"))
        #expect(allowed("apps", "daemonsets", "list"))
        for name in ["calico-config", "cilium-config", "kube-flannel-cfg", "canal-config"] {
            #expect(allowed("", "configmaps", "get", name))
        }
        #expect(allowed("operator.tigera.io", "installations", "get"))
        #expect(allowed("crd.projectcalico.org", "felixconfigurations", "get"))
        #expect(allowed("crd.projectcalico.org", "ippools", "list"))
    }

    @Test func kubernetesDiscoveryMountsTheTokenAndUsesTheSelector() throws {
        var options = KubeManifests.Options()
        options.discovery = "kubernetes"
        let documents = try Yams.load_all(yaml: KubeManifests.render(options)).compactMap { $0 as? [String: Any] }
        for daemonSet in documents where daemonSet["kind"] as? String == "DaemonSet" {
            let pod = try #require(
                ((daemonSet["spec"] as? [String: Any])?["template"] as? [String: Any])?["spec"] as? [String: Any])
            #expect(pod["automountServiceAccountToken"] as? Bool == true)
            let arguments = (pod["containers"] as? [[String: Any]])?.first?["args"] as? [String] ?? []
            let name = (daemonSet["metadata"] as? [String: Any])?["name"] as? String ?? ""
            #expect(arguments.contains("--kube-selector=app.kubernetes.io/component=\(name)"))
            #expect(!arguments.contains { $0.hasPrefix("--dns=") })
        }
    }

    @Test func committedManifestsAreCurrent() throws {
        let committed = try String(
            contentsOfFile: "\(TestSupport.repositoryRoot)/deploy/mtu-doctor.yaml", encoding: .utf8)
        #expect(
            committed == KubeManifests.render(), "regenerate: mtu-doctor kube deploy --dry-run > deploy/mtu-doctor.yaml"
        )
    }
}
