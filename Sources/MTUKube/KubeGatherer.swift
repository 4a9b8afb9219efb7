import Foundation
import MTUCore

/// Reads what an audit needs from the API server, object by object: a 403 or a timeout on one leaves a gap (one
/// line) and the rest is still read; an unreachable server, refused credentials or a TLS failure end it.
public enum KubeGatherer {
    public struct Gathered: Sendable {
        public var objects = ClusterObjects()
        /// What was read (or found absent), one line each.
        public var audited: [String] = []
        /// What could not be read, one line each.
        public var gaps: [String] = []
        /// Set when nothing more could be read (unreachable, credentials, TLS).
        public var fatal: KubeAPIError?

        public init() {}
    }

    /// The ConfigMaps CNIs keep their settings in.
    public static let configMaps = [
        "kube-system/calico-config", "kube-system/cilium-config", "kube-flannel/kube-flannel-cfg",
        "kube-system/kube-flannel-cfg",
        "kube-system/canal-config",
    ]
    /// Namespaces CNIs run their DaemonSets in, read one by one when DaemonSets cannot be listed cluster-wide.
    public static let cniNamespaces = ["kube-system", "calico-system", "kube-flannel", "cilium"]

    public static func gather(_ client: KubeClient) async -> Gathered {
        var result = Gathered()
        // Returns nil on error, after recording it; `absentIsFine` turns a 404 into "not installed".
        func read<T>(_ what: String, absent: String? = nil, _ body: () async throws(KubeAPIError) -> T) async -> T? {
            guard result.fatal == nil else { return nil }
            do throws(KubeAPIError) {
                let value = try await body()
                result.audited.append(what)
                return value
            } catch {
                if error.isFatal {
                    result.fatal = error
                } else if case .notFound = error, let absent {
                    result.audited.append("\(what): \(absent)")
                } else {
                    result.gaps.append("\(what): \(error)")
                }
                return nil
            }
        }
        if let nodes = await read("nodes", { () async throws(KubeAPIError) in try await client.list("/api/v1/nodes") })
        {
            result.objects.nodes = nodes
            result.audited[result.audited.count - 1] = "nodes (\(nodes.count))"
        }
        if result.fatal != nil { return result }
        // DaemonSets: cluster-wide, or the CNI namespaces one by one when that is forbidden.
        do throws(KubeAPIError) {
            result.objects.daemonSets = try await client.list("/apis/apps/v1/daemonsets")
            result.audited.append("daemonsets, all namespaces (\(result.objects.daemonSets.count))")
        } catch {
            if error.isFatal {
                result.fatal = error
                return result
            }
            result.gaps.append("daemonsets, all namespaces: \(error); reading the CNI namespaces one by one")
            for namespace in cniNamespaces {
                if let items = await read(
                    "daemonsets in \(namespace)", absent: "no such namespace",
                    { () async throws(KubeAPIError) in
                        try await client.list("/apis/apps/v1/namespaces/\(namespace)/daemonsets")
                    })
                {
                    result.objects.daemonSets += items
                }
            }
        }
        for name in configMaps {
            let parts = name.split(separator: "/")
            if let map = await read(
                "configmap \(name)", absent: "absent",
                { () async throws(KubeAPIError) in
                    try await client.get("/api/v1/namespaces/\(parts[0])/configmaps/\(parts[1])")
                })
            {
                result.objects.configMaps[name] = map
            }
        }
        result.objects.calicoInstallation = await read(
            "Installation default (operator.tigera.io/v1)", absent: "absent (no Tigera operator)"
        ) { () async throws(KubeAPIError) in
            try await client.get("/apis/operator.tigera.io/v1/installations/default")
        }
        result.objects.felixConfiguration = await read(
            "FelixConfiguration default (crd.projectcalico.org/v1)", absent: "absent"
        ) { () async throws(KubeAPIError) in
            try await client.get("/apis/crd.projectcalico.org/v1/felixconfigurations/default")
        }
        if let pools = await read(
            "IPPools (crd.projectcalico.org/v1)", absent: "absent",
            { () async throws(KubeAPIError) in
                try await client.list("/apis/crd.projectcalico.org/v1/ippools")
            })
        {
            result.objects.calicoIPPools = pools
        }
        return result
    }

    /// The agents' pods (for kube mesh, kube audit and the agents' own discovery): `NAME=IP` per ready-or-not pod
    /// with an IP, named after its node.
    public static func agentPods(_ client: KubeClient, namespace: String, labelSelector: String)
        async throws(KubeAPIError) -> [(node: String, address: String)]
    {
        let pods = try await client.list("/api/v1/namespaces/\(namespace)/pods", labelSelector: labelSelector)
        return pods.compactMap { pod in
            guard pod[path: "status.phase"].string == "Running", let ip = pod[path: "status.podIP"].string, !ip.isEmpty
            else { return nil }
            return (pod[path: "spec.nodeName"].string ?? pod[path: "metadata.name"].string ?? ip, ip)
        }
    }

    /// Every node's value of one label (e.g. topology.kubernetes.io/zone), by node name; nodes without it are left out.
    public static func nodeLabels(_ client: KubeClient, key: String) async throws(KubeAPIError) -> [String: String] {
        var labels: [String: String] = [:]
        for node in try await client.list("/api/v1/nodes") {
            if let name = node[path: "metadata.name"].string, let value = node["metadata"]["labels"][key].string {
                labels[name] = value
            }
        }
        return labels
    }
}
