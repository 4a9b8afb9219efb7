/// Why a probe could not run at all. (What a probe finds is a result, never an error.)
public struct ProbeError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        case noPrivilege, noRoute, unresolvable, unsupported, system, refused
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    /// A ProbeError as it is; anything else as a `.system` error.
    static func wrapping(_ error: any Error) -> ProbeError {
        error as? ProbeError ?? ProbeError(.system, "\(error)")
    }
}
