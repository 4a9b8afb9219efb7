/// Evidence → ranked hypotheses, the ruled-out list and fixes. Pure: every rule is a function of the evidence.
public enum Diagnoser {
    /// Underlay MTUs worth recognising behind an overlay (Ethernet, jumbo, AWS, AWS TGW/VPN, GCP).
    static let knownUnderlays = [1500, 9000, 9001, 8500, 8950, 1460, 8896, 9216]
    /// Encapsulations that show up in a path MTU: VXLAN/Geneve (50), Geneve with options (58–70), IPIP (20),
    /// GRE (24), WireGuard (60, 80 with an IPv6 underlay).
    static let knownOverheads: [(bytes: Int, name: String)] = [
        (50, "VXLAN or Geneve"), (20, "IP-in-IP"), (24, "GRE"), (60, "WireGuard"), (58, "Geneve with options"),
        (80, "WireGuard over IPv6"),
    ]

    public static func diagnose(_ evidence: DiagnosisEvidence) -> Diagnosis {
        var facts = Facts(evidence)
        var hypotheses = [
            notMTU(&facts), routedHopWall(facts), l2Mismatch(facts), ptbFiltered(facts), ptbLostRPFilter(facts),
            ptbNotRelayed(facts),
            underlayUnderOverlay(facts), podMTU(facts), mssClamp(facts), asymmetric(facts), reverseWall(facts),
        ].compactMap { $0 }
        if let topology = evidence.topology { applyTopology(topology, &hypotheses, facts) }
        var ruledOutWalls: [RuledOut] = []
        applyCausality(&hypotheses, &ruledOutWalls, facts)
        for index in hypotheses.indices where hypotheses[index].status != .ruledOut {
            hypotheses[index].confidence = Swift.max(0, Swift.min(100, hypotheses[index].confidence))
            hypotheses[index].status = Hypothesis.Status(confidence: hypotheses[index].confidence)
        }
        hypotheses.sort {
            ($0.status == .ruledOut ? 1 : 0, -$0.confidence) < ($1.status == .ruledOut ? 1 : 0, -$1.confidence)
        }
        let verdict = facts.verdict
        var ruledOut = usualSuspects(facts) + ruledOutWalls
        for hypothesis in hypotheses where hypothesis.status == .ruledOut {
            ruledOut.append(
                RuledOut(item: hypothesis.title, why: hypothesis.evidenceAgainst.first ?? "the evidence contradicts it")
            )
        }
        return Diagnosis(
            verdict: verdict, headline: headline(facts, hypotheses), hypotheses: hypotheses, ruledOut: ruledOut,
            fixes: fixes(facts, hypotheses), disagreements: disagreements(facts), path: path(facts), evidence: evidence)
    }

    /// "ICMP …" stays as it is; "A routed hop" becomes "a routed hop" inside a sentence.
    static func lowered(_ title: String) -> String {
        guard let first = title.first, title.dropFirst().first?.isUppercase != true else { return title }
        return first.lowercased() + title.dropFirst()
    }

    /// Derived facts the rules share.
    struct Facts {
        let e: DiagnosisEvidence
        var forward: DiagnosisEvidence.PathSide? { e.forward }
        var reverse: DiagnosisEvidence.PathSide? { e.reverse }
        /// The size this host sends at most (its interface MTU toward the target).
        var sends: Int? { e.host.interfaceMTU ?? forward?.ladder.last?.size }
        /// The forward wall, when there is one.
        var wall: Int? {
            guard let forward, [.ptb, .blackhole].contains(forward.verdict) else { return nil }
            return forward.pathMTU
        }
        var reverseWall: Int? {
            guard let reverse, [.ptb, .blackhole].contains(reverse.verdict) else { return nil }
            return reverse.pathMTU
        }
        var forwardSilent: Bool { forward?.verdict == .blackhole }
        var reverseSilent: Bool { reverse?.verdict == .blackhole }
        var tlsStalled: Bool { e.application?.tlsHandshake == .stalled }
        var tlsFailed: Bool { e.application?.tlsHandshake == .failed }
        var tcpFailed: Bool { e.application.map { !$0.tcpConnected } ?? false }
        var dnsFailed: Bool { e.dns.map { !$0.resolved } ?? false }
        var captureStall: Bool {
            e.capture.map { $0.kinds.contains(.stalledSegment) || $0.kinds.contains(.receiveGap) } ?? false
        }
        var overlayMatch: (underlay: Int, overhead: Int, name: String)?
        var tunnel: DiagnosisEvidence.Tunnel? { e.host.tunnels.first }

        /// The direction the stalled data travels, when a symptom says: a client's TLS handshake waits for the
        /// server's flight (reverse); a capture here shows our own segment unacknowledged (forward) or the
        /// peer's data stopping (reverse).
        var stalledDirection: PathDirection? {
            if tlsStalled { return .reverse }
            if let kinds = e.capture?.kinds {
                if kinds.contains(.stalledSegment) { return .forward }
                if kinds.contains(.receiveGap) { return .reverse }
            }
            return nil
        }
        /// Whether a direction's wall is repaired by PMTUD: its ICMP "too big" reaches the sender, which uses it.
        var forwardRepaired: Bool { forward?.verdict == .ptb && forward?.ptbImplausible == false }
        var reverseRepaired: Bool { reverse?.verdict == .ptb }
        /// The direction the headline and the fixes are about: the stalled data's direction when its wall is not
        /// repaired (or unknown), else whichever direction black-holes.
        /// Both directions black-hole at the same size: most likely one wall seen both ways (a symmetric path). The
        /// forward measurement locates it (TTL-limited probes), so the forward causes speak for both.
        var sameWallBothWays: Bool { forwardSilent && reverseSilent && wall != nil && wall == reverseWall }
        var culprit: PathDirection? {
            if sameWallBothWays { return .forward }
            if let stalled = stalledDirection {
                if stalled == .reverse, !reverseRepaired, reverseSilent || reverseWall != nil || !forwardSilent {
                    return .reverse
                }
                if stalled == .forward, !forwardRepaired { return .forward }
            }
            if forwardSilent { return .forward }
            if reverseSilent { return .reverse }
            return nil
        }

        init(_ evidence: DiagnosisEvidence) {
            e = evidence
            if let wall = evidence.forward.flatMap({ [.ptb, .blackhole].contains($0.verdict) ? $0.pathMTU : nil }) {
                // A wall that is a known underlay MTU less a known encapsulation: the packets are being wrapped.
                if let tunnel = evidence.host.tunnels.first, let overhead = tunnel.overhead,
                    knownUnderlays.contains(wall + overhead)
                {
                    overlayMatch = (wall + overhead, overhead, tunnel.kind)
                } else if !knownUnderlays.contains(wall) {
                    for candidate in knownOverheads where knownUnderlays.contains(wall + candidate.bytes) {
                        overlayMatch = (wall + candidate.bytes, candidate.bytes, candidate.name)
                        break
                    }
                }
            }
        }

        var mtuTrouble: Bool { wall != nil || reverseWall != nil || tlsStalled || captureStall }

        var verdict: Diagnosis.Verdict {
            if forwardSilent || reverseSilent || (tlsStalled && (wall != nil || reverseWall != nil || captureStall))
                || captureStall
            {
                return .blackhole
            }
            if wall != nil || reverseWall != nil { return .degraded }
            if dnsFailed || tcpFailed || tlsFailed { return .notMTU }
            if tlsStalled { return .inconclusive }
            if forward == nil || forward.map { [.unreachable, .inconclusive].contains($0.verdict) } == true {
                return e.application?.tlsHandshake == .ok ? .ok : .inconclusive
            }
            return .ok
        }

        var wallPlace: String {
            if let forward, let good = forward.wall.lastGoodHop, let bad = forward.wall.hop {
                return "between \(good) and \(bad)"
            }
            if let source = forward?.ptbSource { return "at \(source)" }
            return "somewhere on the path"
        }
    }

    // MARK: - Rules

    static func hypothesis(
        _ id: FindingKind, _ title: String, _ confidence: Int, _ explanation: String, for evidenceFor: [String],
        against: [String], hop: String? = nil, layer: String? = nil,
        ruledOut: Bool = false, direction: PathDirection? = nil
    ) -> Hypothesis {
        // Every cause about a wall names its direction; the wall rules below are all about the forward one.
        let forwardRules: Set<FindingKind> = [
            .routedHopWall, .l2MTUMismatch, .ptbFiltered, .ptbLostRPFilter, .ptbNotRelayed,
            .underlayWallUnderOverlay, .podMTUExceedsUnderlay,
        ]
        return Hypothesis(
            id: id, title: title, confidence: confidence,
            status: ruledOut ? .ruledOut : Hypothesis.Status(confidence: confidence),
            explanation: explanation,
            evidenceFor: evidenceFor, evidenceAgainst: against, hop: hop, layer: layer,
            direction: direction ?? (forwardRules.contains(id) ? .forward : nil))
    }

    static func notMTU(_ facts: inout Facts) -> Hypothesis? {
        var forEvidence: [String] = []
        var against: [String] = []
        if let forward = facts.forward, forward.verdict == .ok, let mtu = forward.pathMTU {
            forEvidence.append("every size up to \(mtu) bytes reaches the target with DF set")
        }
        if let reverse = facts.reverse, reverse.verdict == .ok {
            forEvidence.append("the way back carries full-size packets too (\(reverse.method))")
        }
        if facts.dnsFailed { forEvidence.append("the name does not resolve: \(facts.e.dns?.error ?? "lookup failed")") }
        if facts.tcpFailed {
            forEvidence.append("TCP does not connect: small packets fail too, which no MTU problem explains")
        }
        if facts.tlsFailed {
            forEvidence.append(
                "the TLS handshake failed on its own terms: \(facts.e.application?.tlsDetail ?? "alert or close")")
        }
        if facts.e.application?.tlsHandshake == .ok {
            forEvidence.append(
                "the TLS handshake completed (\(facts.e.application?.certificateBytes.map { "certificate chain \($0) bytes" } ?? "server flight arrived"))"
            )
        }
        if let wall = facts.wall {
            against.append(
                "packets over \(wall) bytes do not reach the target (\(facts.forward?.verdict.rawValue ?? ""))")
        }
        if let wall = facts.reverseWall { against.append("packets over \(wall) bytes do not come back") }
        if facts.tlsStalled {
            against.append("the TLS handshake stalls after TCP connected: the signature of lost full-size packets")
        }
        if facts.captureStall {
            against.append("the capture shows a full-size segment retransmitted and never acknowledged")
        }
        guard !forEvidence.isEmpty || !against.isEmpty else { return nil }
        let failed = facts.dnsFailed || facts.tcpFailed || facts.tlsFailed
        let confidence = against.isEmpty ? (failed ? 90 : 80) : 5
        let failure =
            facts.dnsFailed
            ? "name resolution"
            : facts.tcpFailed ? "the TCP connection itself" : "the TLS handshake, for a reason of its own"
        let pathOK = facts.forward?.verdict == .ok
        let explanation =
            failed
            ? (pathOK
                ? "The path carries full-size packets; what fails is \(failure) — look there, not at MTUs."
                : "What fails is \(failure), before any size matters — look there, not at MTUs.")
            : "No size limit on this path: every size this host can send arrives."
        return hypothesis(
            .notMTU, "Not an MTU problem", confidence, explanation, for: forEvidence, against: against,
            ruledOut: !against.isEmpty)
    }

    static func routedHopWall(_ facts: Facts) -> Hypothesis? {
        guard let forward = facts.forward else { return nil }
        if forward.verdict == .ptb, let source = forward.ptbSource, let mtu = forward.ptbMTU, !forward.ptbImplausible {
            var evidence = [
                "\(source) answers \"fragmentation needed\" announcing MTU \(mtu): its egress toward the target is the wall",
                "\(forward.pathMTU ?? mtu) bytes pass, \(forward.firstFailing.map(String.init) ?? "larger") do not",
            ]
            if let sends = facts.sends, sends > mtu { evidence.append("this host sends up to \(sends) bytes") }
            return hypothesis(
                .routedHopWall, "A routed hop (SVI/router interface) at \(mtu) bytes", 90,
                "\(source) routes the packets out of an interface that carries only \(mtu) bytes (an SVI, VLAN interface or tunnel). It does send ICMP \"too big\", so PMTUD works for hosts that accept it; raise that interface to the size the hosts send, or everything depends on PMTUD.",
                for: evidence, against: [], hop: source, layer: "routed interface (L3)")
        }
        if forward.verdict == .blackhole, let good = forward.wall.lastGoodRouter, let bad = forward.wall.hop {
            return hypothesis(
                .routedHopWall, "A routed hop after \(good) at \(forward.pathMTU ?? 0) bytes", 40,
                "The router \(good) may route the large packets out of a smaller interface toward \(bad) without telling the sender.",
                for: ["large packets reach \(good) and never \(bad) (TTL-limited probes)"],
                against: ["no ICMP \"too big\" arrived from \(good)"], hop: good, layer: "routed interface (L3)")
        }
        return nil
    }

    static func l2Mismatch(_ facts: Facts) -> Hypothesis? {
        guard let forward = facts.forward, forward.verdict == .blackhole, let wall = forward.pathMTU else { return nil }
        var evidence = [
            "\(wall) bytes pass and \(forward.firstFailing.map(String.init) ?? "larger") vanish every time, with no ICMP at all"
        ]
        var against: [String] = []
        var confidence = 40
        if let bad = forward.wall.hop, bad == facts.e.address {
            evidence.append(
                "the large packets die on the last segment, before the target itself (\(forward.wall.lastGoodHop ?? "?") → \(bad)): a segment with a smaller MTU in it drops frames without any ICMP"
            )
            confidence += 10
        }
        if forward.rpFilterDrops > 0 {
            against.append(
                "this host dropped \(forward.rpFilterDrops) packets by rp_filter meanwhile: an ICMP did come back")
            confidence -= 30
        }
        if facts.overlayMatch != nil {
            confidence -= 15
            against.append("the wall equals a known underlay MTU less a tunnel header: more likely an overlay")
        }
        if let good = forward.wall.lastGoodRouter {
            confidence -= 5
            against.append(
                "a router (\(good)) precedes the wall: it would be the one to send ICMP if its own egress were smaller")
        }
        return hypothesis(
            .l2MTUMismatch, "An MTU mismatch inside one L2 segment", confidence,
            "A switch port, bridge or NIC on the segment \(forward.wall.lastGoodHop.map { "after \($0)" } ?? "") carries less than the interfaces around it say. Layer 2 has no ICMP: the frames are dropped silently and only PMTUD-independent fixes (matching MTUs) help.",
            for: evidence, against: against, hop: forward.wall.hop, layer: "L2 segment")
    }

    static func ptbFiltered(_ facts: Facts) -> Hypothesis? {
        guard let forward = facts.forward, forward.verdict == .blackhole else { return nil }
        var evidence = ["packets over \(forward.pathMTU ?? 0) bytes vanish and no ICMP \"too big\" reaches this host"]
        var against: [String] = []
        var confidence = 45
        if let good = forward.wall.lastGoodRouter, let bad = forward.wall.hop {
            evidence.append(
                "the wall is right after the router \(good) (large packets reach it, never \(bad)): \(good) is where the ICMP should come from"
            )
            confidence += 15
        }
        if let capture = facts.e.capture, capture.ptbMTUs.isEmpty {
            evidence.append("the capture of the probes holds no ICMP \"too big\" either")
            confidence += 5
        }
        if forward.rpFilterDrops > 0 {
            against.append(
                "an ICMP did arrive and this host's rp_filter dropped it (\(forward.rpFilterDrops) drops): not a filter on the way"
            )
            confidence -= 40
        }
        if let capture = facts.e.capture, !capture.ptbMTUs.isEmpty {
            against.append("the capture shows an ICMP \"too big\" arriving here")
            confidence -= 30
        }
        if facts.overlayMatch != nil { confidence -= 10 }
        return hypothesis(
            .ptbFiltered,
            "ICMP \"too big\" filtered or never sent\(forward.wall.lastGoodHop.map { " at \($0)" } ?? "")",
            confidence,
            "The router at the wall drops the packets and its ICMP \"fragmentation needed\" never arrives: its own policy (ICMP rate limits off, unreachables disabled), or a firewall between it and this host filters ICMP type 3 code 4 / ICMPv6 type 2.",
            for: evidence, against: against, hop: forward.wall.lastGoodHop, layer: "ICMP policy")
    }

    static func ptbLostRPFilter(_ facts: Facts) -> Hypothesis? {
        guard let forward = facts.forward else { return nil }
        if forward.verdict == .blackhole, forward.rpFilterDrops > 0 {
            var evidence = [
                "packets over \(forward.pathMTU ?? 0) bytes vanish for the probe, yet this host's rp_filter dropped \(forward.rpFilterDrops) packet(s) meanwhile (IPReversePathFilter): the ICMP \"too big\" arrived and was discarded"
            ]
            if let mode = facts.e.host.rpFilter {
                evidence.append(
                    "rp_filter on \(facts.e.host.interface ?? "the interface") is \(mode) (\(mode == 1 ? "strict" : mode == 2 ? "loose" : "off"))"
                )
            }
            if let capture = facts.e.capture, let mtu = capture.ptbMTUs.first {
                evidence.append("the capture shows the ICMP arriving (MTU \(mtu)) before the kernel dropped it")
            }
            return hypothesis(
                .ptbLostRPFilter, "ICMP \"too big\" dropped by this host's strict rp_filter", 92,
                "The router sends \"fragmentation needed\" from an address this host does not route back through the interface it arrives on (a management or loopback address), and strict reverse-path filtering discards it. PMTUD fails silently although the router does its part.",
                for: evidence, against: [], hop: facts.e.host.interface, layer: "host rp_filter")
        }
        if forward.verdict == .ptb, forward.ptbRPFRisk {
            return hypothesis(
                .ptbLostRPFilter, "ICMP \"too big\" at risk from strict rp_filter elsewhere", 45,
                "The ICMP's source (\(forward.ptbSource ?? "?")) is not routable back through the interface it arrived on; this host accepted it, but hosts with strict rp_filter (rp_filter=1) drop it.",
                for: ["the PTB source \(forward.ptbSource ?? "?") routes back via another interface"],
                against: ["this host received and used the ICMP"], hop: forward.ptbSource, layer: "rp_filter")
        }
        if forward.verdict == .blackhole {
            return hypothesis(
                .ptbLostRPFilter, "ICMP \"too big\" dropped by rp_filter", 0, "", for: [],
                against: [
                    "IPReversePathFilter did not grow while probing (0 drops): no ICMP was discarded by rp_filter here"
                ], ruledOut: true)
        }
        return nil
    }

    static func ptbNotRelayed(_ facts: Facts) -> Hypothesis? {
        guard let forward = facts.forward, forward.verdict == .blackhole else { return nil }
        var evidence: [String] = []
        var confidence = 20
        if let match = facts.overlayMatch {
            evidence.append(
                "the wall (\(forward.pathMTU ?? 0)) is \(match.underlay) − \(match.overhead) (\(match.name)): the packets travel inside a tunnel, and the silence is what a tunnel endpoint that keeps the ICMP to itself looks like"
            )
            confidence += 45
        }
        if let tunnel = facts.tunnel {
            evidence.append("this host has a \(tunnel.kind) device (\(tunnel.name), MTU \(tunnel.mtu))")
            confidence += 10
        }
        if facts.e.host.inPod {
            evidence.append(
                "this runs in a Kubernetes pod: an ICMP about the tunnel packet goes to the node, not the pod")
            confidence += 10
        }
        guard !evidence.isEmpty else { return nil }
        return hypothesis(
            .ptbNotRelayed, "ICMP \"too big\" not relayed through the tunnel", confidence,
            "The underlay router sends its \"too big\" to the tunnel endpoint (the node) that wrapped the packet; the node learns a smaller MTU, but nothing translates the ICMP for the pod inside, which keeps sending packets that cannot fit.",
            for: evidence, against: [], hop: forward.wall.lastGoodHop, layer: "overlay (CNI)")
    }

    static func underlayUnderOverlay(_ facts: Facts) -> Hypothesis? {
        guard let match = facts.overlayMatch, let wall = facts.wall else { return nil }
        var evidence = [
            "the path carries \(wall) bytes = \(match.underlay) − \(match.overhead) bytes of \(match.name) encapsulation"
        ]
        if let sends = facts.sends {
            evidence.append(
                "this host's interface sends up to \(sends) bytes, so wrapped packets reach \(sends + match.overhead) bytes on the underlay"
            )
        }
        return hypothesis(
            .underlayWallUnderOverlay, "An underlay hop at \(match.underlay) bytes under the overlay", 70,
            "Between the tunnel endpoints a hop carries \(match.underlay) bytes; with \(match.overhead) bytes of encapsulation, inner packets over \(wall) bytes cannot cross it. Every interface may \"say\" more: what counts is the smallest hop between the endpoints.",
            for: evidence, against: [], hop: facts.forward?.wall.lastGoodHop, layer: "underlay")
    }

    static func podMTU(_ facts: Facts) -> Hypothesis? {
        guard let match = facts.overlayMatch, let wall = facts.wall, let sends = facts.sends, sends > wall else {
            return nil
        }
        var evidence = [
            "this host's interface MTU is \(sends), \(sends - wall) bytes more than the \(wall) the overlay can carry"
        ]
        var confidence = 55
        if facts.e.host.inPod {
            evidence.append("running in a pod: that interface is the pod's, set by the CNI")
            confidence += 10
        }
        return hypothesis(
            .podMTUExceedsUnderlay, "Pod/overlay MTU larger than underlay MTU − overhead", confidence,
            "The CNI gives pods \(sends) bytes, but the smallest underlay hop (\(match.underlay)) minus \(match.overhead) bytes of \(match.name) leaves \(wall). Set the overlay MTU to \(wall) (or raise the underlay to \(sends + match.overhead)).",
            for: evidence, against: [], hop: facts.e.host.interface, layer: "pod interface")
    }

    static func mssClamp(_ facts: Facts) -> Hypothesis? {
        guard let wall = facts.wall, let sends = facts.sends, sends > wall else { return nil }
        let needed = wall - (facts.e.address?.contains(":") == true ? 60 : 40)
        let host = facts.e.host
        if let clamp = host.mssClamps.first {
            if let mss = clamp.mss, mss > needed {
                return hypothesis(
                    .mssClamp, "MSS clamp set too high (\(mss) > \(needed))", 65,
                    "An MSS clamp exists here but lets through segments that make \(mss + 40)-byte packets; the path carries \(wall).",
                    for: ["rule: \(clamp.rule)"], against: [], layer: "TCP MSS")
            }
            return hypothesis(
                .mssClamp, "MSS clamping missing or wrong", 10, "", for: [],
                against: ["a clamp is in place: \(clamp.rule)"], ruledOut: true)
        }
        return hypothesis(
            .mssClamp, "MSS clamping missing", host.mssClampsKnown ? 50 : 35,
            "Nothing clamps TCP's MSS to the path (\(needed) bytes), so TCP sends \(sends)-byte packets and relies on PMTUD. A clamp is a workaround that keeps TCP working while the MTU is fixed; it does nothing for UDP.",
            for: host.mssClampsKnown
                ? ["no TCPMSS / maxseg rule in this host's iptables or nftables"]
                : ["this host's rules could not be read (root needed); no clamp is visible"],
            against: [], layer: "TCP MSS")
    }

    static func asymmetric(_ facts: Facts) -> Hypothesis? {
        guard let forward = facts.forward?.pathMTU, let reverse = facts.reverse, let back = reverse.pathMTU,
            facts.forward?.verdict != .unreachable, reverse.verdict != .notMeasured
        else { return nil }
        let forwardWall = facts.wall != nil
        let reverseWall = facts.reverseWall != nil
        guard forward != back || forwardWall != reverseWall else {
            return hypothesis(
                .asymmetricPath, "An asymmetric path", 0, "", for: [],
                against: ["both directions measured the same (\(forward) bytes)"], ruledOut: true)
        }
        // A description of the path, not a cause: the wall on each side is the cause, and ranks above this.
        return hypothesis(
            .asymmetricPath, "An asymmetric path: \(forward) bytes there, \(back) back", 50,
            "The two directions take different hops or different MTUs: fix (and test) each direction on its own.",
            for: [
                "forward: \(forward) bytes (\(facts.forward?.verdict.rawValue ?? "")); reverse: \(back) bytes (\(reverse.verdict), \(reverse.method))"
            ], against: [], layer: "routing")
    }

    /// The wall on the way back, from the reverse measurement (or from echo replies that never came back).
    static func reverseWall(_ facts: Facts) -> Hypothesis? {
        guard let reverse = facts.reverse else { return nil }
        let stalledBack = facts.stalledDirection == .reverse
        let symptom =
            facts.tlsStalled
            ? "the TLS handshake stalls: the server's certificate flight is the first full-size data, and it travels this direction"
            : "the capture shows the peer's data stopping"
        if reverse.verdict == .blackhole, let wall = reverse.pathMTU {
            var evidence = [
                reverse.explanation.isEmpty
                    ? "packets over \(wall) bytes do not come back (\(reverse.method))" : reverse.explanation
            ]
            if stalledBack { evidence.append(symptom) }
            let byReplies = reverse.method == .reverse(.echoReplies)
            return hypothesis(
                .reverseWall, "A wall on the way back at \(wall) bytes, with no ICMP reaching the sender",
                stalledBack ? 95 : 80,
                "Packets larger than \(wall) bytes from the target to this host are dropped and nothing tells the sender: it keeps sending full-size packets. "
                    + (byReplies
                        ? "Echo replies travel without DF, so a router would have fragmented them: the drop is at layer 2 (a segment with a smaller MTU) or a filter."
                        : "Locate it from the other end: `mtu-doctor probe` run on the target toward this host."),
                for: evidence, against: [], layer: byReplies ? "L2 segment or filter (way back)" : "reverse path",
                direction: .reverse)
        }
        if reverse.verdict == .ptb, let wall = reverse.pathMTU {
            return hypothesis(
                .reverseWall, "A wall on the way back at \(wall) bytes; its ICMP reaches the sender", 40,
                "The way back carries \(wall) bytes; the target learns it from an ICMP \"too big\" and shrinks its packets, so PMTUD repairs it.",
                for: [reverse.explanation],
                against: stalledBack
                    ? ["its ICMP reaches the sender, which shrinks its segments: it cannot explain a stall"] : [],
                layer: "reverse path", direction: .reverse)
        }
        if stalledBack, !facts.forwardSilent || facts.forwardRepaired,
            [.notMeasured, .partial, .inconclusive].contains(reverse.verdict)
        {
            var evidence = [symptom]
            if let limit = reverse.measuredUpTo {
                evidence.append("the way back could be measured only up to \(limit) bytes: \(reverse.explanation)")
            }
            return hypothesis(
                .reverseWall, "Full-size packets lost on the way back", 60,
                "The data that stalls travels from the target to this host, and nothing measured on the way there explains it. Measure the way back: `mtu-doctor serve` here and `mtu-doctor probe` from the target, or `--reverse-tls`.",
                for: evidence, against: [], layer: "reverse path", direction: .reverse)
        }
        return nil
    }

    /// Only a wall on the stalled data's own direction can cause the stall: a forward wall whose ICMP arrives is
    /// repaired by PMTUD and cannot explain a stall of data coming back (nor a reverse wall a stalled upload).
    static func applyCausality(_ hypotheses: inout [Hypothesis], _ ruledOut: inout [RuledOut], _ facts: Facts) {
        guard let stalled = facts.stalledDirection else {
            // No symptom names a direction: a black hole outranks a wall PMTUD repairs on the other side.
            guard let culprit = facts.culprit else { return }
            for index in hypotheses.indices where hypotheses[index].status != .ruledOut {
                guard let direction = hypotheses[index].direction, direction != culprit else { continue }
                if direction == .forward ? facts.forwardRepaired : facts.reverseRepaired {
                    hypotheses[index].confidence = Swift.min(hypotheses[index].confidence, 55)
                    hypotheses[index].evidenceAgainst.append(
                        "PMTUD repairs this \(direction) wall (its ICMP \"too big\" arrives); the black hole is on the \(culprit) direction"
                    )
                }
            }
            return
        }
        let data = stalled == .reverse ? "the server's TLS flight" : "this host's segments"
        if facts.sameWallBothWays {
            // One wall both ways: the located (forward) causes explain the stall too; the reverse one only repeats it.
            for index in hypotheses.indices where hypotheses[index].id == .reverseWall {
                hypotheses[index].confidence = Swift.min(hypotheses[index].confidence, 70)
                hypotheses[index].evidenceFor.append(
                    "the forward direction black-holes at the same size (\(facts.wall ?? 0) bytes): most likely one wall on a symmetric path, located by the forward measurement"
                )
            }
            return
        }
        let stalledMeasured =
            (stalled == .reverse ? facts.reverse : facts.forward).map {
                ![.notMeasured, .unreachable].contains($0.verdict)
            } ?? false
        for index in hypotheses.indices where hypotheses[index].status != .ruledOut {
            let direction = hypotheses[index].direction
            guard let direction, direction != stalled else { continue }
            let repaired = direction == .forward ? facts.forwardRepaired : facts.reverseRepaired
            if !repaired, !stalledMeasured {
                // The stalled direction was not measured: a silent wall this way is the best evidence there is
                // (most paths are symmetric), and it says so.
                hypotheses[index].evidenceAgainst.append(
                    "the data that stalls (\(data)) travels the \(stalled) direction, which was not measured: this assumes the way back crosses the same wall"
                )
                continue
            }
            let reason =
                "the data that stalls (\(data)) travels the \(stalled) direction; this wall is on the \(direction) direction"
                + (repaired ? " and its ICMP \"too big\" arrives: PMTUD repairs it" : "")
            hypotheses[index].evidenceAgainst.append(reason)
            hypotheses[index].confidence = Swift.min(hypotheses[index].confidence, repaired ? 20 : 45)
            if repaired, hypotheses[index].id == .routedHopWall || hypotheses[index].id == .reverseWall {
                let wall = direction == .forward ? facts.wall : facts.reverseWall
                let place = direction == .forward ? (facts.forward?.ptbSource.map { " at \($0)" } ?? "") : ""
                ruledOut.append(
                    RuledOut(
                        item:
                            "The \(direction) wall\(place)\(wall.map { " (\($0) bytes)" } ?? "") as the cause of the stall",
                        why:
                            "PMTUD repairs it — its ICMP \"too big\" reaches the sender — and the stalled data travels the \(stalled) direction"
                    ))
            }
        }
    }

    /// A topology file that predicts the same wall confirms the cause it names; one that predicts no wall is a
    /// disagreement worth reporting.
    static func applyTopology(_ topology: DiagnosisEvidence.Topology, _ hypotheses: inout [Hypothesis], _ facts: Facts)
    {
        guard let measured = facts.forward?.pathMTU else { return }
        let agrees = topology.expectedPathMTU == measured
        for finding in topology.findings {
            let id: FindingKind
            switch finding.kind {
            case .l2MTUMismatch: id = .l2MTUMismatch
            case .noPTBSent, .ingressDrop, .ptbFiltered, .ptbBlockedByPolicy: id = .ptbFiltered
            case .ptbLostRPFilter: id = .ptbLostRPFilter
            case .ptbNotRelayed: id = .ptbNotRelayed
            case .podMTUExceedsUnderlay: id = .podMTUExceedsUnderlay
            case .pmtudDependent, .latentWall: id = .routedHopWall
            default: continue
            }
            guard let index = hypotheses.firstIndex(where: { $0.id == id }), hypotheses[index].status != .ruledOut
            else { continue }
            hypotheses[index].confidence += agrees ? 30 : 10
            hypotheses[index].evidenceFor.append("\(topology.file): \(finding.summary)")
            if let node = finding.node {
                hypotheses[index].hop = [node, finding.interface].compactMap { $0 }.joined(separator: " ")
            }
        }
    }

    // MARK: - Report parts

    static func usualSuspects(_ facts: Facts) -> [RuledOut] {
        guard facts.mtuTrouble else { return [] }
        var out: [RuledOut] = []
        let e = facts.e
        if let dns = e.dns {
            out.append(
                RuledOut(
                    item: "DNS",
                    why: dns.literal
                        ? "the target is an address: no lookup involved"
                        : dns.resolved ? "the name resolved in \(dns.milliseconds ?? 0) ms" : "—"))
        }
        if let app = e.application, app.tcpConnected {
            var why = "TCP connects in \(app.connectMs ?? 0) ms"
            if let status = app.plainHTTPStatus {
                why += " and a plain request to the TLS port gets an HTTP \(status) answer"
            }
            out.append(
                RuledOut(
                    item: "The server and any load balancer in front of it",
                    why: why + ": they are up and answering small packets"))
        }
        if facts.tlsStalled {
            out.append(
                RuledOut(
                    item: "Certificates",
                    why:
                        "the client never received the certificate: a certificate problem shows as a TLS alert after the flight arrives, not as silence"
                ))
            out.append(
                RuledOut(
                    item: "RBAC / authorization",
                    why:
                        "authorization runs on HTTP requests after the handshake; the handshake never completed, so it never ran"
                ))
            out.append(
                RuledOut(
                    item: "API server or backend health",
                    why: "it answered the plain request and its TLS flight left the server (it stalls on the way)"))
        }
        if let wall = facts.wall ?? facts.reverseWall {
            let passed = facts.forward?.ladder.filter { $0.outcome == .passed }.count ?? 0
            out.append(
                RuledOut(
                    item: "Routing, BFD and keepalives",
                    why:
                        "small packets cross the same path (\(passed) probe sizes up to \(wall) bytes passed): liveness protocols use small packets and cannot see a size limit"
                ))
            out.append(
                RuledOut(
                    item: "Random packet loss or congestion",
                    why:
                        "every size up to \(wall) passed and every size above failed, repeatedly: a size threshold, not chance"
                ))
        }
        if let sends = facts.sends, let wall = facts.wall, sends > wall, facts.forward?.verdict != .localLimit {
            out.append(
                RuledOut(
                    item: "This host's own MTU",
                    why: "it sends up to \(sends) bytes and refused none of the probes: the limit is on the path"))
        }
        return out
    }

    static func headline(_ facts: Facts, _ hypotheses: [Hypothesis]) -> String {
        let e = facts.e
        let target = e.address.map { $0 == e.target ? $0 : "\(e.target) (\($0))" } ?? e.target
        let cause = hypotheses.first { $0.status != .ruledOut }
        switch facts.verdict {
        case .blackhole:
            var text = "MTU black hole toward \(target): "
            if facts.culprit == .reverse, let wall = facts.reverseWall {
                text += "packets over \(wall) bytes do not come back and no ICMP reaches the sender"
            } else if facts.culprit == .reverse {
                text += "full-size packets on the way back are lost"
                if let limit = facts.reverse?.measuredUpTo {
                    text += " (the way back could be measured only up to \(limit))"
                }
            } else if let wall = facts.wall {
                text += "packets over \(wall) bytes vanish \(facts.wallPlace)"
                if facts.forwardSilent {
                    text +=
                        (facts.forward?.rpFilterDrops ?? 0) > 0
                        ? ", and the ICMP that would say so is dropped on arrival" : " and no ICMP says so"
                }
            } else if let wall = facts.reverseWall {
                text += "packets over \(wall) bytes do not come back"
            } else {
                text += "full-size packets are lost"
            }
            if facts.tlsStalled, facts.culprit != .forward || [.notMeasured, nil].contains(facts.reverse?.verdict) {
                text +=
                    " — which is why the TLS handshake stalls (the server's certificate flight is the first full-size data, and it travels back to us)"
            }
            if let cause { text += ". Most likely: \(lowered(cause.title))." }
            return text
        case .degraded:
            if facts.wall == nil, let wall = facts.reverseWall {
                return
                    "Path MTU \(wall) on the way back from \(target): PMTUD works — an ICMP \"too big\" reaches the sender — but every new path depends on it. \(cause.map { "Cause: \(lowered($0.title))." } ?? "")"
            }
            let wall = facts.wall ?? facts.reverseWall ?? 0
            return
                "Path MTU \(wall) toward \(target) (smaller than the \(facts.sends.map(String.init) ?? "?") bytes this host sends): PMTUD works — an ICMP \"too big\" comes back — but every new path depends on it. \(cause.map { "Cause: \(lowered($0.title))." } ?? "")"
        case .notMTU:
            return "Not an MTU problem. \(cause?.explanation ?? "The path carries full-size packets.")"
        case .ok:
            return
                "No MTU problem toward \(target): every size up to \(facts.forward?.pathMTU.map(String.init) ?? "?") bytes passes\(facts.e.application?.tlsHandshake == .ok ? " and the TLS handshake completes" : "")."
        case .inconclusive:
            return "Inconclusive toward \(target): \(facts.forward?.explanation ?? "no probe answered")"
        }
    }

    static func fixes(_ facts: Facts, _ hypotheses: [Hypothesis]) -> [Fix] {
        if facts.culprit == .reverse { return reverseFixes(facts) }
        guard facts.mtuTrouble, let wall = facts.wall ?? facts.reverseWall else { return [] }
        var fixes: [Fix] = []
        let live = hypotheses.filter { $0.status != .ruledOut && $0.confidence >= 35 }
        let ids = Set(live.map(\.id))
        let sends = facts.sends ?? wall
        // Topology findings come with vendor-specific fixes: they go first.
        if let topology = facts.e.topology {
            for finding in topology.findings where finding.severity >= .warning {
                fixes += finding.fixes.filter(\.resolvesCause)
            }
        }
        if ids.contains(.ptbLostRPFilter), (facts.forward?.rpFilterDrops ?? 0) > 0 {
            let interface = facts.e.host.interface ?? "<interface>"
            fixes.append(
                Fix(
                    title: "Accept the ICMP \"too big\" on \(interface)", vendor: "linux",
                    commands: [
                        "ip route add <ICMP source>/32 via <gateway> dev \(interface)   # a route back through the arrival interface",
                        "# or make the router source its ICMP from the interface it sends it on",
                    ],
                    note:
                        "Setting rp_filter to 2 (loose) also lets it in, but hides the asymmetry rather than fixing it. `mtu-doctor diagnose --capture` shows the ICMP's source address.",
                    resolvesCause: true))
        }
        if ids.contains(.podMTUExceedsUnderlay) || ids.contains(.underlayWallUnderOverlay)
            || ids.contains(.ptbNotRelayed), let match = facts.overlayMatch
        {
            let provider: OverlayProvider = {
                let name = facts.tunnel?.name ?? ""
                if name.contains("calico") { return .calico }
                if name.contains("cilium") { return .cilium }
                if name.contains("flannel") { return .flannel }
                return .generic
            }()
            let overlay = Overlay(
                name: "overlay", provider: provider, encapsulation: EncapsulationStack([]), endpoints: [])
            fixes.append(
                Fixes.lowerPodMTU(
                    overlay: overlay, podMTU: wall, underlayMTU: match.underlay, required: sends + match.overhead))
            fixes.append(
                Fix(
                    title:
                        "Or raise every underlay hop between the tunnel endpoints to \(sends + match.overhead) bytes",
                    vendor: "generic",
                    commands: [
                        "set the MTU of the hop \(facts.wallPlace) (and every hop between the nodes) to at least \(sends + match.overhead)"
                    ],
                    note:
                        "Cloud gateways (AWS Transit Gateway 8500, VPN 1446) cannot be raised: lower the overlay instead.",
                    resolvesCause: true))
        } else if ids.contains(.routedHopWall) || ids.contains(.l2MTUMismatch) || ids.contains(.ptbFiltered) {
            let hop = facts.forward?.ptbSource ?? facts.forward?.wall.lastGoodHop ?? "the hop at the wall"
            fixes.append(
                Fix(
                    title: "Carry \(sends)-byte packets \(facts.wallPlace)", vendor: "generic",
                    commands: [
                        "raise the MTU of \(hop)'s interface toward \(facts.forward?.wall.hop ?? facts.e.address ?? "the target") to at least \(sends)",
                        "and of every switch port and VLAN (and its parent interface) on that segment",
                    ],
                    note:
                        "A VLAN/SVI interface never carries more than its parent, whatever it displays. Confirm with `mtu-doctor probe` afterwards: \(sends) bytes must pass.",
                    resolvesCause: true))
            if ids.contains(.ptbFiltered) {
                fixes.append(Fixes.allowTooBig(where: "the firewalls between the wall and this host"))
            }
        }
        if wall > 576 {
            let mss = wall - (facts.e.address?.contains(":") == true ? 60 : 40)
            fixes += Fixes.clampMSS(
                on: facts.e.host.inPod ? "the nodes (host network)" : "the router or node the SYNs cross", mss: mss,
                interface: nil
            ).prefix(1)
            fixes.append(Fixes.mtuProbing(senders: ["the senders"]))
        }
        return fixes
    }

    /// Fixes for a wall on the way back: it is located and fixed from the target's side; meanwhile this host can
    /// make the target's TCP segments fit by advertising a smaller MSS.
    static func reverseFixes(_ facts: Facts) -> [Fix] {
        let target = facts.e.address ?? facts.e.target
        let headers = target.contains(":") ? 60 : 40
        var fixes: [Fix] = []
        let wall = facts.reverseWall ?? facts.reverse?.measuredUpTo
        let byReplies = facts.reverse?.method == .reverse(.echoReplies)
        fixes.append(
            Fix(
                title: "Find and raise the wall on the way back from \(target)\(wall.map { " (\($0) bytes)" } ?? "")",
                vendor: "generic",
                commands: [
                    "on \(target): mtu-doctor probe <this host's address>   # locates the hop on the way back",
                    byReplies
                        ? "raise the MTU of the layer-2 segment (switch ports, VLAN, bridge, NIC) on the way back to what the hosts send: it drops larger frames without ICMP"
                        : "raise the MTU of that hop's interface toward this host to what the hosts send, or make it send ICMP \"too big\"",
                ],
                note:
                    "The wall is on the target's path to this host, which may differ from this host's path to the target; measurements from here cannot name its hop.",
                resolvesCause: true))
        if let wall, wall > 576 {
            let mss = wall - headers
            fixes.append(
                Fix(
                    title: "Meanwhile: advertise MSS \(mss) toward \(target), so its segments fit", vendor: "linux",
                    commands: [
                        "\(target.contains(":") ? "ip6tables" : "iptables") -t mangle -A OUTPUT -p tcp -d \(target) --tcp-flags SYN,RST SYN -j TCPMSS --set-mss \(mss)"
                    ],
                    note:
                        "TCP only, and only connections this host opens; UDP and the target's own connections still need the wall fixed.",
                    resolvesCause: false))
        }
        fixes.append(Fixes.mtuProbing(senders: [target]))
        return fixes
    }

    static func disagreements(_ facts: Facts) -> [String] {
        guard let topology = facts.e.topology, let measured = facts.forward?.pathMTU else { return [] }
        var out: [String] = []
        if topology.expectedPathMTU != measured {
            out.append(
                "\(topology.file) predicts \(topology.expectedPathMTU) bytes for flow \(topology.flow) (bottleneck \(topology.bottleneckText)); the path passes \(measured): something the file does not describe (or describes wrongly) limits it \(facts.wallPlace)"
            )
        } else if let displayed = topology.displayedMTU, displayed != topology.expectedPathMTU {
            out.append(
                "\(topology.bottleneckText) is configured \(displayed), the path passes \(measured): \(topology.bottleneck.reason)"
            )
        }
        return out
    }

    static func path(_ facts: Facts) -> [DiagnosisHop] {
        guard let forward = facts.forward else { return [] }
        var hops = [
            DiagnosisHop(label: "this host", address: nil, state: .passes, note: facts.sends.map { "sends ≤ \($0)" })
        ]
        var beyond = false
        for (index, hop) in (forward.location?.hops ?? []).enumerated() {
            let address = hop
            let ttl = index + 1
            var state: DiagnosisHop.State = beyond ? .beyond : .passes
            var note: String?
            if let wallTTL = forward.location?.ttl, ttl == wallTTL {
                state = .wall
                note = forward.pathMTU.map { "over \($0) B stop here" } ?? "large packets stop here"
                beyond = true
            }
            if address == facts.e.address, state != .wall { note = "target" }
            hops.append(
                DiagnosisHop(
                    label: "hop \(ttl)", address: address,
                    state: address == nil && state == .passes ? .unknown : state, note: note))
            if address == facts.e.address { break }
        }
        if forward.location?.hops.isEmpty ?? true {
            hops.append(
                DiagnosisHop(
                    label: "path", address: nil, state: facts.wall == nil ? .passes : .wall,
                    note: forward.pathMTU.map { "path MTU \($0)" }))
            hops.append(
                DiagnosisHop(
                    label: "target", address: facts.e.address, state: facts.wall == nil ? .passes : .beyond, note: nil
                ))
        }
        return hops
    }
}
