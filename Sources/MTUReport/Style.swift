import MTUModel

/// Terminal styling: ANSI colours only when asked (a terminal without NO_COLOR).
public struct Style: Sendable {
    public var color: Bool

    public init(color: Bool) { self.color = color }

    func paint(_ text: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
    func bold(_ text: String) -> String { paint(text, "1") }
    func dim(_ text: String) -> String { paint(text, "2") }

    func verdict(_ verdict: Verdict) -> String {
        switch verdict {
        case .ok: return paint("OK", "1;32")
        case .degraded: return paint("DEGRADED", "1;33")
        case .blackhole: return paint("BLACKHOLE", "1;31")
        }
    }

    func severity(_ severity: Severity) -> String {
        switch severity {
        case .info: return paint("info", "36")
        case .warning: return paint("warning", "1;33")
        case .error: return paint("error", "1;31")
        case .critical: return paint("critical", "1;31")
        }
    }
}

func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
}

func padLeft(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
}
