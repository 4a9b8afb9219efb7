/// Text that came from elsewhere (an API server's error, a plugin's stderr, a peer's answer) made safe to print in a
/// report or a terminal: control characters (escape sequences, CR, NUL, …) shown as `\u{…}`-free `?`, one line, and
/// at most `limit` characters, marked `…` when cut.
public enum Sanitize {
    public static func line(_ text: some StringProtocol, limit: Int = 300) -> String {
        var result = ""
        var count = 0
        for scalar in text.unicodeScalars {
            if count >= limit { return result.trimmingTrailingSpaces() + "…" }
            switch scalar.value {
            case 0x0A, 0x0D, 0x09: result.append(" ")
            case 0x00..<0x20, 0x7F, 0x80..<0xA0, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069: result.append("?")
            default: result.unicodeScalars.append(scalar)
            }
            count += 1
        }
        return result.trimmingTrailingSpaces()
    }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var copy = self
        while copy.last == " " { copy.removeLast() }
        return copy
    }
}
