import MTUModel

/// `probe`'s text report.
public enum ProbeText {
    public static func render(_ report: ProbeReport) -> String {
        var lines = [
            "mtu-doctor probe \(report.target) (\(report.address)): \(report.probesSent) probes, \(report.elapsedMs) ms"
        ]
        if let tls = report.tls {
            lines.append(
                "  tls      port \(tls.port): connect \(tls.connectMs.map { "\($0) ms" } ?? "failed"), plain HTTP \(tls.plainHTTPStatus.map(String.init) ?? "no answer"), handshake \(tls.handshake)\(tls.certificateBytes.map { ", certificate chain \($0) bytes" } ?? "")"
            )
            lines.append("           \(tls.conclusion)")
        }
        let forward = report.forward
        lines.append("  forward  path MTU \(forward.pathMTU.map(String.init) ?? "—")  \(forward.verdict)")
        lines.append("           \(forward.explanation)")
        if let wall = forward.wall, forward.pathMTU != nil, forward.verdict != .ok {
            let next =
                wall.firstBadHop.map { "never \($0)" }
                ?? "then vanish; hop \(wall.ttl.map(String.init) ?? "?") never answers at all (its ICMP does not reach us)"
            lines.append(
                "           wall: large packets reach \(wall.lastGoodHop ?? "?") (hop \((wall.ttl ?? 1) - 1)) and \(next) (TTL \(wall.ttl.map(String.init) ?? "?"))"
            )
        }
        let reverse = report.reverse
        lines.append(
            "  reverse  path MTU \(reverse.pathMTU.map(String.init) ?? "—")  \(reverse.verdict?.rawValue ?? reverse.method.rawValue)"
        )
        lines.append("           \(reverse.explanation)")
        return lines.joined(separator: "\n")
    }
}
