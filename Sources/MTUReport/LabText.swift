import MTUModel

/// `lab up`'s text: the namespaces, the ground truth per direction, how to probe it and remove it.
public enum LabText {
    public static func render(_ truth: LabGroundTruth) -> String {
        var lines = [
            "lab \(truth.prefix): \(truth.scenario)",
            "  namespaces: "
                + truth.namespaces.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "),
            "  probe from the client: ip netns exec \(truth.namespaces["client"] ?? "?") mtu-doctor probe \(truth.server)",
            "  ground truth:",
            "    forward (client → server): path MTU \(truth.forwardPathMTU), \(truth.forwardVerdict)",
            "    reverse (server → client): path MTU \(truth.reversePathMTU), \(truth.reverseVerdict)",
        ]
        if let server6 = truth.server6 {
            lines.append(
                "    IPv6 (server \(server6)): forward path MTU \(truth.forwardPathMTU6 ?? 0), \(truth.forwardVerdict6?.rawValue ?? "?")\(truth.ptbSource6.map { ", PTB from \($0)" } ?? "")"
            )
        }
        if let source = truth.ptbSource {
            lines.append(
                "    PTB source: \(source)\(truth.ptbDroppedByRPFilter ? " (dropped by the client's strict rp_filter)" : "")"
            )
        }
        if let last = truth.wallLastGoodHop {
            lines.append(
                "    wall: large packets reach \(last), not \(truth.wallFirstBadHop ?? "the next hop, which never answers") (TTL \(truth.wallTTL ?? 0))"
            )
        }
        for note in truth.notes { lines.append("    note: \(note)") }
        if let port = truth.httpsPort {
            lines.append(
                "  https: HTTPS server on \(truth.server):\(port) (pid \(truth.httpsPID ?? 0)), certificate chain \(truth.certificateChainPEMBytes ?? 0) bytes of PEM"
            )
            lines.append(
                "  try: ip netns exec \(truth.namespaces["client"] ?? "?") mtu-doctor probe https://\(truth.server)")
        }
        lines.append("  remove: mtu-doctor lab down \(truth.prefix)")
        return lines.joined(separator: "\n")
    }
}
