import Foundation

/// A small JSON Schema validator for the subset docs/schema/*.json use: type, const, enum, properties, required,
/// items, minimum, maximum and local `$ref`s ("#/$defs/name"). Returns every violation with its JSON path.
package struct JSONSchema {
    let root: [String: Any]

    package init(file: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: file))
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw CocoaError(.coderReadCorrupt)
        }
        root = object
    }

    package func validate(_ instance: Any) -> [String] {
        var errors: [String] = []
        check(instance, root, "$", &errors)
        return errors
    }

    func check(_ value: Any, _ schema: [String: Any], _ path: String, _ errors: inout [String]) {
        if let reference = schema["$ref"] as? String {
            let name = reference.replacingOccurrences(of: "#/$defs/", with: "")
            guard let definitions = root["$defs"] as? [String: Any], let target = definitions[name] as? [String: Any]
            else {
                errors.append("\(path): unresolved \(reference)")
                return
            }
            check(value, target, path, &errors)
            return
        }
        if let constant = schema["const"], !Self.equal(value, constant) {
            errors.append("\(path): expected \(constant), got \(value)")
        }
        if let options = schema["enum"] as? [Any], !options.contains(where: { Self.equal(value, $0) }) {
            errors.append("\(path): \(value) is not one of \(options)")
        }
        if let type = schema["type"] as? String, !Self.matches(value, type) {
            errors.append("\(path): expected \(type), got \(Self.kind(value))")
            return
        }
        if let minimum = schema["minimum"] as? Double, let number = Self.number(value), number < minimum {
            errors.append("\(path): \(number) < \(minimum)")
        }
        if let maximum = schema["maximum"] as? Double, let number = Self.number(value), number > maximum {
            errors.append("\(path): \(number) > \(maximum)")
        }
        if let object = value as? [String: Any] {
            for key in schema["required"] as? [String] ?? [] where object[key] == nil {
                errors.append("\(path): missing required \"\(key)\"")
            }
            for (key, sub) in schema["properties"] as? [String: Any] ?? [:] {
                if let child = object[key], let subschema = sub as? [String: Any] {
                    check(child, subschema, "\(path).\(key)", &errors)
                }
            }
            if schema["additionalProperties"] as? Bool == false {
                let known = Set((schema["properties"] as? [String: Any] ?? [:]).keys)
                for key in object.keys.sorted() where !known.contains(key) {
                    errors.append("\(path): unexpected property \"\(key)\"")
                }
            }
        }
        if let array = value as? [Any], let items = schema["items"] as? [String: Any] {
            for (index, element) in array.enumerated() { check(element, items, "\(path)[\(index)]", &errors) }
        }
    }

    static func kind(_ value: Any) -> String {
        if value is [String: Any] { return "object" }
        if value is [Any] { return "array" }
        if value is String { return "string" }
        if let number = value as? NSNumber {
            // On Linux, JSON booleans come back as __NSCFBoolean with objCType "c"; integers as "i"/"q"/"l".
            switch String(cString: number.objCType) {
            case "c", "B": return "boolean"
            case "d", "f":
                return Double(truncating: number).rounded() == Double(truncating: number) ? "integer" : "number"
            default: return "integer"
            }
        }
        if value is NSNull { return "null" }
        return "\(type(of: value))"
    }

    static func matches(_ value: Any, _ type: String) -> Bool {
        let actual = kind(value)
        return actual == type || (type == "number" && actual == "integer")
    }

    static func number(_ value: Any) -> Double? {
        guard let number = value as? NSNumber, kind(value) != "boolean" else { return nil }
        return Double(truncating: number)
    }

    static func equal(_ a: Any, _ b: Any) -> Bool {
        if let x = a as? String, let y = b as? String { return x == y }
        if let x = number(a), let y = number(b) { return x == y }
        return "\(a)" == "\(b)"
    }
}
