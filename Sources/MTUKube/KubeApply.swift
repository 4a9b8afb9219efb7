import Foundation
import MTUCore
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

/// Objects saved with `kubectl get … -o json` or `-o yaml`, for an audit without access to the cluster.
public enum KubeObjectsFile {
    public static func load(_ path: String) throws(KubeConfigError) -> [JSONValue] {
        guard let data = FileManager.default.contents(atPath: path) else { throw KubeConfigError("--from-file \(path): cannot read the file") }
        let text = String(decoding: data, as: UTF8.self)
        if text.drop(while: { $0.isWhitespace }).first == "{" {
            do {
                return [try JSONDecoder().decode(JSONValue.self, from: data)]
            } catch let DecodingError.dataCorrupted(context) {
                let detail = (context.underlyingError as NSError?)?.userInfo["NSDebugDescription"] as? String ?? context.debugDescription
                throw KubeConfigError("\(path): not valid JSON: \(detail)")
            } catch {
                throw KubeConfigError("\(path): not valid JSON")
            }
        }
        var values: [JSONValue] = []
        do {
            for document in try Yams.compose_all(yaml: text) { values.append(json(document)) }
        } catch let error as YamlError {
            throw KubeConfigError("\(path): not valid YAML or JSON: \(KubeConfig.describe(error))")
        } catch {
            throw KubeConfigError("\(path): not valid YAML or JSON")
        }
        guard values.contains(where: { !$0.object.isEmpty }) else { throw KubeConfigError("\(path): no Kubernetes objects in it") }
        return values
    }

    static func json(_ node: Yams.Node) -> JSONValue {
        switch node {
        case .scalar(let scalar):
            if scalar.style != .plain { return .string(scalar.string) }
            switch scalar.string {
            case "null", "~", "": return .null
            case "true", "True": return .bool(true)
            case "false", "False": return .bool(false)
            default: return Double(scalar.string).map { .number($0) } ?? .string(scalar.string)
            }
        case .mapping(let mapping):
            var object: [String: JSONValue] = [:]
            for (key, value) in mapping { object[key.string ?? ""] = json(value) }
            return .object(object)
        case .sequence(let sequence): return .array(sequence.map(json))
        case .alias: return .null
        }
    }
}
