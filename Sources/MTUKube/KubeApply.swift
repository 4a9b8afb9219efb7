import Foundation
import Yams

/// Server-side apply of a multi-document manifest: each document's API path from its apiVersion, kind, name and
/// namespace, applied in order (Namespace first, as written).
public enum KubeApply {
    public struct Item: Sendable, Equatable {
        public var kind: String
        public var name: String
        public var namespace: String?
        /// The object's path, e.g. `/apis/apps/v1/namespaces/mtu-doctor/daemonsets/mtu-doctor-agent-pod`.
        public var path: String
        public var yaml: String
    }

    /// Kinds that live outside namespaces.
    static let clusterScoped: Set<String> = ["Namespace", "ClusterRole", "ClusterRoleBinding", "Node", "PersistentVolume", "CustomResourceDefinition"]

    public static func plan(_ manifest: String) throws(KubeConfigError) -> [Item] {
        var items: [Item] = []
        let documents = manifest.components(separatedBy: "\n---").map { $0.hasPrefix("---") ? String($0.dropFirst(3)) : $0 }
        for (index, text) in documents.enumerated() {
            guard text.contains(where: { !$0.isWhitespace }) else { continue }
            let node: Yams.Node?
            do { node = try Yams.compose(yaml: text) } catch { throw KubeConfigError("manifest document \(index + 1): not valid YAML") }
            guard let node, case .mapping = node else { continue }
            let apiVersion = node["apiVersion"]?.string ?? ""
            guard let kind = node["kind"]?.string, let name = node["metadata"]?["name"]?.string, !apiVersion.isEmpty else {
                throw KubeConfigError("manifest document \(index + 1): needs apiVersion, kind and metadata.name")
            }
            let namespace = clusterScoped.contains(kind) ? nil : (node["metadata"]?["namespace"]?.string ?? "default")
            let base = apiVersion.contains("/") ? "/apis/\(apiVersion)" : "/api/\(apiVersion)"
            let plural = kind.lowercased().hasSuffix("s") ? kind.lowercased() + "es" : kind.lowercased() + "s"
            let path = base + (namespace.map { "/namespaces/\($0)" } ?? "") + "/\(plural)/\(name)"
            items.append(Item(kind: kind, name: name, namespace: namespace, path: path, yaml: text))
        }
        return items
    }
}
