import Foundation

/// A parsed JSON document, for reading Kubernetes objects whose shape varies by version and by CNI: only the fields
/// an audit needs are looked up, by path, and a missing or mistyped field reads as nil instead of failing the read.
public enum JSONValue: Sendable, Hashable, Codable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    public static func parse(_ bytes: some Sequence<UInt8>) -> JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: Data(bytes))
    }

    public subscript(key: String) -> JSONValue {
        if case .object(let object) = self { return object[key] ?? .null }
        return .null
    }

    /// A dotted path (`spec.calicoNetwork.mtu`); keys containing dots are not reachable this way, use the subscript.
    public subscript(path path: String) -> JSONValue {
        path.split(separator: ".").reduce(self) { $0[String($1)] }
    }

    public var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// An integer, also from a string ("1450": ConfigMap values are strings).
    public var int: Int? {
        switch self {
        case .number(let value): return value.rounded() == value && abs(value) < 1e15 ? Int(value) : nil
        case .string(let value): return Int(value.trimmingCharacters(in: .whitespaces))
        default: return nil
        }
    }

    /// A boolean, also from "true"/"false" strings.
    public var bool: Bool? {
        switch self {
        case .bool(let value): return value
        case .string(let value):
            switch value.lowercased() {
            case "true", "yes", "1", "enabled": return true
            case "false", "no", "0", "disabled": return false
            default: return nil
            }
        default: return nil
        }
    }

    public var array: [JSONValue] {
        if case .array(let value) = self { return value }
        return []
    }

    public var object: [String: JSONValue] {
        if case .object(let value) = self { return value }
        return [:]
    }

    public var isNull: Bool { self == .null }
}
