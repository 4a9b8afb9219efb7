/// What users of a flow will see, in their terms.
enum Symptoms {
    static func describe(flow: Flow, forward: DirectionResult, reverse: DirectionResult) -> [String] {
        var lines: [String] = []
        let application = flow.application?.lowercased()
        if forward.verdict == .ok, reverse.verdict == .ok, !forward.latent, !reverse.latent {
            return [
                "No MTU problem: every packet fits (path MTU \(forward.pathMTU) forward, \(reverse.pathMTU) reverse)."
            ]
        }
        for (label, direction, message, isReverse) in [
            ("forward", forward, flow.forwardMessage, false), ("reverse", reverse, flow.reverseMessage, true),
        ] {
            let route = "\(direction.from) → \(direction.to)"
            switch direction.verdict {
            case .ok where direction.latent:
                lines.append(
                    "\(label.capitalizedFirst) (\(route)): today's messages fit (\(direction.messagePacket)-byte packets), but any packet over \(direction.pathMTU) meets the same wall at \(direction.bottleneck.node)."
                )
            case .ok:
                continue
            case .blackhole, .degraded:
                let stall: String
                if flow.proto == .tcp, application == "tls" || application == "https", isReverse {
                    let size = message.map { "\($0.formatted) bytes" } ?? "a full-size"
                    stall =
                        "TCP connects and small exchanges pass (a plain-HTTP request to the TLS port gets its short error answer; keepalives and health checks pass). The server's certificate flight (\(size)) travels in \(direction.messagePacket)-byte packets but the path passes only \(direction.pathMTU): the TLS handshake stalls until the client's timeout (Go's default TLS handshake timeout is 10 s)."
                } else if flow.proto == .tcp, application == "tls" || application == "https" {
                    stall =
                        "The client's large records (\(message.map { "\($0.formatted) bytes" } ?? "full-size")) travel in \(direction.messagePacket)-byte packets but the path passes only \(direction.pathMTU): the handshake or request upload stalls."
                } else if flow.proto == .tcp {
                    stall =
                        "Connections open and small requests work; messages needing packets over \(direction.pathMTU) bytes stall: the sender retransmits the same full-size segment with backoff and the receiver never acknowledges it."
                } else if flow.proto == .udp {
                    stall =
                        "Datagrams over \(direction.pathMTU) bytes vanish; small ones pass (DNS answers, health checks)."
                } else {
                    stall =
                        "Echo requests over \(direction.pathMTU) bytes get no reply (on IPv4, `ping -M do -s \(direction.pathMTU - 28)` is the largest that passes); small pings pass."
                }
                if direction.verdict == .blackhole {
                    lines.append("\(label.capitalizedFirst) (\(route)): \(stall)")
                } else if direction.fate.rescuedByMTUProbing {
                    lines.append(
                        "\(label.capitalizedFirst) (\(route)): slow start of large transfers: the first full-size segments are lost until TCP MTU probing shrinks them."
                    )
                } else if direction.fate.kind == .fragmented {
                    lines.append(
                        "\(label.capitalizedFirst) (\(route)): works, through fragmentation at \(direction.fate.node ?? direction.bottleneck.node): extra CPU, reassembly buffers, and one lost fragment loses the whole packet."
                    )
                } else {
                    lines.append(
                        "\(label.capitalizedFirst) (\(route)): works through PMTUD: the first oversize packet to each destination is lost and resent smaller (a round trip of delay); the learned path MTU is cached for about 10 minutes."
                    )
                }
            }
        }
        return lines
    }
}

extension Int {
    /// 4120 → "4,120".
    var formatted: String {
        let digits = String(Swift.abs(self))
        var groups: [Substring] = []
        var end = digits.endIndex
        while end > digits.startIndex {
            let start = digits.index(end, offsetBy: -3, limitedBy: digits.startIndex) ?? digits.startIndex
            groups.insert(digits[start..<end], at: 0)
            end = start
        }
        return (self < 0 ? "-" : "") + groups.joined(separator: ",")
    }
}

extension String {
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
