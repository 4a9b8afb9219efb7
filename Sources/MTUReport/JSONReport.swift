import Foundation
import MTUModel

/// The version of every JSON document mtu-doctor writes. Bump it on any incompatible change (see docs/json-schema.md).
public let jsonSchemaVersion = 1

/// Wraps a result with `schemaVersion` and `command` keys at the top level of the same JSON object.
public struct JSONEnvelope<Payload: Encodable>: Encodable {
    public var command: String
    public var payload: Payload

    public init(command: String, payload: Payload) {
        self.command = command
        self.payload = payload
    }

    private enum Keys: String, CodingKey { case schemaVersion, command }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(jsonSchemaVersion, forKey: .schemaVersion)
        try container.encode(command, forKey: .command)
        try payload.encode(to: encoder)
    }
}

/// Renders any result as pretty, key-sorted JSON with the schema header.
public enum JSONReport {
    public static func render<T: Encodable>(_ value: T, command: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            let data = try encoder.encode(JSONEnvelope(command: command, payload: value))
            return String(decoding: data, as: UTF8.self)
        } catch {
            // Our types encode plain values only; this is a programming error worth a readable message.
            return "{\"schemaVersion\": \(jsonSchemaVersion), \"error\": \"cannot encode result: \(error)\"}"
        }
    }
}
