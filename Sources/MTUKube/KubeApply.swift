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

        /// "DaemonSet mtu-doctor/mtu-doctor-agent-pod", "ClusterRole mtu-doctor-agent".
        public var label: String { "\(kind) \(namespace.map { "\($0)/" } ?? "")\(name)" }
    }

    /// A refused object: which one, why, and how many were applied before it.
    public struct Failure: Error, CustomStringConvertible {
        public var item: String
        public var error: KubeAPIError
        public var applied: Int
        public var total: Int

        public var description: String {
            "\(item): \(error)\(applied == 0 ? "; nothing was applied" : "; applied before it: \(applied) of \(total)")"
        }
    }

    /// Applies `items` in order with server-side apply, saying each one's name to `applied` once it is in; stops at
    /// the first refusal.
    public static func apply(
        _ items: [Item], with client: KubeClient, applied: (String) -> Void
    ) async throws(Failure) {
        for (index, item) in items.enumerated() {
            do throws(KubeAPIError) {
                try await client.apply(item.path, yaml: item.yaml)
                applied(item.label)
            } catch {
                throw Failure(item: item.label, error: error, applied: index, total: items.count)
            }
        }
    }

    /// Kinds that live outside namespaces.
    static let clusterScoped: Set<String> = [
        "Namespace", "ClusterRole", "ClusterRoleBinding", "Node", "PersistentVolume", "CustomResourceDefinition",
    ]

    public static func plan(_ manifest: String) throws(KubeConfigError) -> [Item] {
        var items: [Item] = []
        let documents = manifest.components(separatedBy: "\n---").map {
            $0.hasPrefix("---") ? String($0.dropFirst(3)) : $0
        }
        for (index, text) in documents.enumerated() {
            guard text.contains(where: { !$0.isWhitespace }) else { continue }
            let node: Yams.Node?
            do { node = try Yams.compose(yaml: text) } catch {
                throw KubeConfigError("manifest document \(index + 1): not valid YAML")
            }
            guard let node, case .mapping = node else { continue }
            let apiVersion = node["apiVersion"]?.string ?? ""
            guard let kind = node["kind"]?.string, let name = node["metadata"]?["name"]?.string, !apiVersion.isEmpty
            else {
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
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw KubeConfigError("--from-file \(path): cannot read the file (\(String(cString: strerror(errno))))")
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw KubeConfigError(
                "--from-file \(path): not a regular file (a saved `kubectl get -o yaml|json` output is)")
        }
        guard Int(status.st_size) <= maxFileBytes else {
            throw KubeConfigError(
                "--from-file \(path): \(Int(status.st_size) >> 20) MiB is over the \(maxFileBytes >> 20) MiB limit for saved objects"
            )
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw KubeConfigError("--from-file \(path): cannot read the file")
        }
        guard let text = decode(data) else { throw KubeConfigError("\(path): not UTF-8 or UTF-16 text") }
        if let first = text.first(where: { !$0.isWhitespace }), first == "{" || first == "[" {
            return try jsonDocuments(text, path: path)
        }
        var values: [JSONValue] = []
        do {
            let parser = try Parser(yaml: text)
            var budget = maxValues
            while let document = try parser.nextRoot() {
                guard let value = json(document, budget: &budget) else {
                    throw KubeConfigError(
                        "\(path): more than \(maxValues) values once YAML aliases are expanded: refused (an alias bomb?)"
                    )
                }
                values.append(value)
            }
        } catch let error as KubeConfigError {
            throw error
        } catch let error as YamlError {
            throw KubeConfigError(TopologyLoader.describeYAMLError(error, file: path))
        } catch {
            throw KubeConfigError("\(path): not valid YAML or JSON")
        }
        guard values.contains(where: { !$0.object.isEmpty || !$0.array.isEmpty }) else {
            throw KubeConfigError("\(path): no Kubernetes objects in it")
        }
        return values.flatMap { $0.array.isEmpty ? [$0] : $0.array }
    }

    /// Every saved file's objects together, with one line per file saying what it held.
    public static func gather(_ files: [String]) throws(KubeConfigError) -> KubeGatherer.Gathered {
        var result = KubeGatherer.Gathered()
        for file in files {
            let counts = result.objects.add(try load(file))
            guard !counts.isEmpty else {
                throw KubeConfigError("--from-file \(file): no Node, DaemonSet, ConfigMap or Calico objects in it")
            }
            result.audited.append(
                "\(file): " + counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))
        }
        return result
    }

    /// Text as users save it: UTF-8 with or without a byte-order mark, UTF-16 with one (a PowerShell redirect),
    /// Windows line ends.
    static func decode(_ data: Data) -> String? {
        let bytes = [UInt8](data.prefix(3))
        var text: String?
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            text = String(decoding: data.dropFirst(3), as: UTF8.self)
        } else if bytes.starts(with: [0xFF, 0xFE]) {
            text = String(data: data.dropFirst(2), encoding: .utf16LittleEndian)
        } else if bytes.starts(with: [0xFE, 0xFF]) {
            text = String(data: data.dropFirst(2), encoding: .utf16BigEndian)
        } else {
            text = String(data: data, encoding: .utf8)
        }
        return text?.replacingOccurrences(of: "\r\n", with: "\n")
    }

    /// One or more JSON documents one after another (`kubectl get … -o json` run several times into one file), each
    /// an object or an array of objects. Errors name file:line:column.
    static func jsonDocuments(_ text: String, path: String) throws(KubeConfigError) -> [JSONValue] {
        let bytes = Array(text.utf8)
        var values: [JSONValue] = []
        var index = 0
        while index < bytes.count {
            while index < bytes.count, [9, 10, 13, 32].contains(bytes[index]) { index += 1 }
            guard index < bytes.count else { break }
            let start = index
            var depth = 0
            var inString = false
            var escaped = false
            scan: while index < bytes.count {
                let byte = bytes[index]
                index += 1
                if inString {
                    if escaped {
                        escaped = false
                    } else if byte == 92 {
                        escaped = true
                    } else if byte == 34 {
                        inString = false
                    }
                    continue
                }
                switch byte {
                case 34: inString = true
                case 123, 91: depth += 1
                case 125, 93:
                    depth -= 1
                    if depth == 0 { break scan }
                default:
                    if depth == 0 { break scan }
                }
            }
            let slice = Data(bytes[start..<index])
            guard let value = try? JSONDecoder().decode(JSONValue.self, from: slice) else {
                let prefix = String(decoding: bytes[..<start], as: UTF8.self)
                let lineOffset = prefix.filter { $0 == "\n" }.count
                let message = jsonError(slice, text: String(decoding: slice, as: UTF8.self), path: path)
                throw KubeConfigError(
                    shift(
                        message, path: path, lines: lineOffset,
                        firstLineColumn: prefix.count
                            - (prefix.lastIndex(of: "\n").map { prefix.distance(from: prefix.startIndex, to: $0) + 1 }
                                ?? 0)))
            }
            values.append(contentsOf: value.array.isEmpty && value.object.isEmpty == false ? [value] : value.array)
        }
        guard !values.isEmpty else { throw KubeConfigError("\(path): no Kubernetes objects in it") }
        return values
    }

    /// Moves a `path:line:column:` position from a document's own text to the file's.
    static func shift(_ message: String, path: String, lines: Int, firstLineColumn: Int) -> String {
        let rest = message.dropFirst(path.count + 1)
        let parts = rest.split(separator: ":", maxSplits: 2)
        guard parts.count == 3, let line = Int(parts[0]), let column = Int(parts[1]) else {
            return lines == 0 ? message : "\(path):\(lines + 1): " + rest.trimmingCharacters(in: .whitespaces)
        }
        return "\(path):\(line + lines):\(line == 1 ? column + firstLineColumn : column):\(parts[2])"
    }

    /// Where JSON stops being JSON: `file:line:column: not valid JSON: reason`, from JSONSerialization's offset.
    static func jsonError(_ data: Data, text: String, path: String) -> String {
        var reason = "not valid JSON"
        do { _ = try JSONSerialization.jsonObject(with: data) } catch {
            reason = ((error as NSError).userInfo["NSDebugDescription"] as? String) ?? reason
        }
        if let range = reason.range(of: #"character (\d+)"#, options: .regularExpression),
            let offset = Int(reason[range].split(separator: " ").last ?? "")
        {
            let prefix = text.utf8.prefix(offset)
            let line = prefix.filter { $0 == 10 }.count + 1
            let column =
                prefix.count
                - (prefix.lastIndex(of: 10).map { prefix.distance(from: prefix.startIndex, to: $0) + 1 } ?? 0) + 1
            let cleaned = reason.replacingOccurrences(
                of: #" around character \d+\.?"#, with: "", options: .regularExpression)
            return "\(path):\(line):\(column): not valid JSON: \(cleaned.lowercased())"
        }
        return
            "\(path): not valid JSON: \(reason.hasSuffix(".") ? String(reason.dropLast()).lowercased() : reason.lowercased())"
    }

    /// The most values (scalars, lists, maps) a saved-objects file may hold once its aliases are expanded: far
    /// above a real cluster's dump, far below a "billion laughs" file.
    public static let maxValues = 5_000_000
    /// The largest saved-objects file read.
    public static let maxFileBytes = 512 << 20

    /// The node as JSON, counting every value against `budget` (aliases expand into copies); nil past it.
    static func json(_ node: Yams.Node, budget: inout Int) -> JSONValue? {
        budget -= 1
        guard budget >= 0 else { return nil }
        switch node {
        case .mapping(let mapping):
            var object: [String: JSONValue] = [:]
            for (key, value) in mapping {
                guard let converted = json(value, budget: &budget) else { return nil }
                object[key.string ?? ""] = converted
            }
            return .object(object)
        case .sequence(let sequence):
            var array: [JSONValue] = []
            for item in sequence {
                guard let converted = json(item, budget: &budget) else { return nil }
                array.append(converted)
            }
            return .array(array)
        default:
            return json(node)
        }
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
