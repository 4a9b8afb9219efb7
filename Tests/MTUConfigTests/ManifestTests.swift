import Foundation
import Testing
import Yams
import MTUCore
import MTUTestSupport

/// The agent manifests parse as Kubernetes objects and ask for nothing privileged.
@Suite("Kubernetes manifests")
struct ManifestTests {
    static func documents() throws -> [[String: Any]] {
        try Yams.load_all(yaml: KubeManifests.render()).compactMap { $0 as? [String: Any] }
    }

    @Test func objectsAndLeastPrivilege() throws {
        let documents = try Self.documents()
        #expect(documents.map { $0["kind"] as? String ?? "" } == ["Namespace", "ServiceAccount", "Role", "RoleBinding", "Service", "DaemonSet", "Service", "DaemonSet"])
        let daemonSets = documents.filter { $0["kind"] as? String == "DaemonSet" }
        #expect(daemonSets.count == 2)
        var hostNetworks: [Bool] = []
        for daemonSet in daemonSets {
            let pod = try #require(((daemonSet["spec"] as? [String: Any])?["template"] as? [String: Any])?["spec"] as? [String: Any])
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
            #expect((container["livenessProbe"] as? [String: Any]) != nil && (container["readinessProbe"] as? [String: Any]) != nil)
            let arguments = container["args"] as? [String] ?? []
            #expect(arguments.first == "agent" && arguments.contains { $0.hasPrefix("--dns=") })
        }
        #expect(Set(hostNetworks) == [true, false], "one DaemonSet on the pod network, one on the host network")
        let role = try #require(documents.first { $0["kind"] as? String == "Role" })
        let verbs = Set(((role["rules"] as? [[String: Any]]) ?? []).flatMap { $0["verbs"] as? [String] ?? [] })
        #expect(verbs.isSubset(of: ["get", "list", "watch"]), "read-only")
        #expect(!documents.contains { $0["kind"] as? String == "ClusterRole" || $0["kind"] as? String == "Secret" })
    }

    @Test func committedManifestsAreCurrent() throws {
        let committed = try String(contentsOfFile: "\(TestSupport.repositoryRoot)/deploy/mtu-doctor.yaml", encoding: .utf8)
        #expect(committed == KubeManifests.render(), "regenerate: mtu-doctor kube deploy --dry-run > deploy/mtu-doctor.yaml")
    }
}
