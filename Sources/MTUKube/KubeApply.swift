import Foundation
import MTUConfig
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
            if let value = try? JSONDecoder().decode(JSONValue.self, from: data) { return [value] }
            throw KubeConfigError(jsonError(data, text: text, path: path))
        }
        var values: [JSONValue] = []
        do {
            let parser = try Parser(yaml: text)
            while let document = try parser.nextRoot() { values.append(json(document)) }
        } catch let error as YamlError {
            throw KubeConfigError(TopologyLoader.describeYAMLError(error, file: path))
        } catch {
            throw KubeConfigError("\(path): not valid YAML or JSON")
        }
        guard values.contains(where: { !$0.object.isEmpty }) else { throw KubeConfigError("\(path): no Kubernetes objects in it") }
        return values
    }

    /// Where JSON stops being JSON: `file:line:column: not valid JSON: reason`, from JSONSerialization's offset.
    static func jsonError(_ data: Data, text: String, path: String) -> String {
        var reason = "not valid JSON"
        do { _ = try JSONSerialization.jsonObject(with: data) } catch {
            reason = ((error as NSError).userInfo["NSDebugDescription"] as? String) ?? reason
        }
        if let range = reason.range(of: #"character (\d+)"#, options: .regularExpression),
           let offset = Int(reason[range].split(separator: " ").last ?? "") {
            let prefix = text.utf8.prefix(offset)
            let line = prefix.filter { $0 == 10 }.count + 1
            let column = prefix.count - (prefix.lastIndex(of: 10).map { prefix.distance(from: prefix.startIndex, to: $0) + 1 } ?? 0) + 1
            let cleaned = reason.replacingOccurrences(of: #" around character \d+\.?"#, with: "", options: .regularExpression)
            return "\(path):\(line):\(column): not valid JSON: \(cleaned.lowercased())"
        }
        return "\(path): not valid JSON: \(reason.hasSuffix(".") ? String(reason.dropLast()).lowercased() : reason.lowercased())"
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
