import MTUCore
import Yams

/// A YAML node with the file and field path it came from, so every error can say `file:line:column: path`.
struct YAMLValue {
    let node: Yams.Node
    let file: String
    let path: String

    var location: SourceLocation {
        SourceLocation(
            file: file, line: node.mark?.line ?? 0, column: node.mark?.column ?? 0,
            path: path.isEmpty ? "(document)" : path)
    }

    func fail(_ message: String) -> TopologyError { TopologyError(message, at: location) }

    private var kindName: String {
        switch node {
        case .scalar: return "a scalar"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    func string() throws(TopologyError) -> String {
        guard case .scalar(let scalar) = node else { throw fail("expected a string, got \(kindName)") }
        if scalar.style == .plain, scalar.string == "~" || scalar.string == "null" || scalar.string.isEmpty {
            throw fail("expected a string, got null")
        }
        return scalar.string
    }

    func int() throws(TopologyError) -> Int {
        guard case .scalar(let scalar) = node else { throw fail("expected an integer, got \(kindName)") }
        guard scalar.style == .plain, let value = Int(scalar.string.replacingUnderscores) else {
            throw fail("expected an integer, got '\(scalar.string)'")
        }
        return value
    }

    func bool() throws(TopologyError) -> Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain else {
            throw fail("expected true or false, got \(kindName)")
        }
        switch scalar.string.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw fail("expected true or false, got '\(scalar.string)'")
        }
    }

    func list() throws(TopologyError) -> [YAMLValue] {
        guard case .sequence(let sequence) = node else {
            throw fail("expected a list, got \(kindName)")
        }
        return sequence.enumerated().map { YAMLValue(node: $1, file: file, path: "\(path)[\($0)]") }
    }

    /// A list of strings, also accepting a single string.
    func strings() throws(TopologyError) -> [String] {
        if case .scalar = node { return [try string()] }
        var result: [String] = []
        for item in try list() { result.append(try item.string()) }
        return result
    }

    /// The mapping's entries, after checking every key is one of `allowed` and appears once.
    func mapping(allowed: [String]) throws(TopologyError) -> Fields {
        guard case .mapping(let mapping) = node else { throw fail("expected a mapping, got \(kindName)") }
        var values: [String: YAMLValue] = [:]
        for (key, value) in mapping {
            let keyValue = YAMLValue(node: key, file: file, path: path)
            guard case .scalar(let keyScalar) = key else { throw keyValue.fail("keys must be strings") }
            let name = keyScalar.string
            let child = YAMLValue(node: value, file: file, path: path.isEmpty ? name : "\(path).\(name)")
            let keyLocation = YAMLValue(node: key, file: file, path: child.path)
            if !allowed.contains(name) {
                throw keyLocation.fail(
                    "unknown key '\(name)'" + Suggestion.didYouMean(name, in: allowed)
                        + "; allowed: \(allowed.joined(separator: ", "))")
            }
            if values[name] != nil { throw keyLocation.fail("duplicate key '\(name)'") }
            values[name] = child
        }
        return Fields(values: values, owner: self)
    }

    /// The keys and values of a mapping whose keys are free-form (sysctls).
    func freeMapping() throws(TopologyError) -> [(key: String, value: YAMLValue)] {
        guard case .mapping(let mapping) = node else { throw fail("expected a mapping, got \(kindName)") }
        var result: [(String, YAMLValue)] = []
        var seen: Set<String> = []
        for (key, value) in mapping {
            guard case .scalar(let keyScalar) = key else {
                throw YAMLValue(node: key, file: file, path: path).fail("keys must be strings")
            }
            let child = YAMLValue(node: value, file: file, path: "\(path).\(keyScalar.string)")
            if !seen.insert(keyScalar.string).inserted { throw child.fail("duplicate key '\(keyScalar.string)'") }
            result.append((keyScalar.string, child))
        }
        return result
    }
}

/// The checked fields of one mapping.
struct Fields {
    let values: [String: YAMLValue]
    let owner: YAMLValue

    subscript(_ key: String) -> YAMLValue? { values[key] }

    func required(_ key: String) throws(TopologyError) -> YAMLValue {
        guard let value = values[key] else { throw owner.fail("missing required key '\(key)'") }
        return value
    }
}

extension String {
    var replacingUnderscores: String { String(filter { $0 != "_" }) }
}
