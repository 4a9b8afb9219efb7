import Testing

@testable import MTUCore

/// Evidence written by hand, one situation each: the rules must rank the right cause first, keep the others with
/// their reasons, and never blame the MTU when the evidence says otherwise.
enum Evidence {
    static func base(target: String = "10.77.3.2", sends: Int = 9000) -> DiagnosisEvidence {
        var e = DiagnosisEvidence(target: target)
        e.address = target
        e.port = 443
        e.dns = .init(literal: true, resolved: true)
        e.host.interface = "eth0"
        e.host.interfaceMTU = sends
        e.host.rpFilter = 0
        e.host.mssClampsKnown = true
        return e
    }

    static func ladder(pass: Int, fail: DiagnosisEvidence.Rung.Outcome, above: Int = 3) -> [DiagnosisEvidence.Rung] {
        [
            DiagnosisEvidence.Rung(size: 576, outcome: .passed, attempts: 1),
            .init(size: pass, outcome: .passed, attempts: 3),
        ]
            + (1...above).map { .init(size: pass + $0, outcome: fail, attempts: 3) }
    }

    static func forward(_ verdict: PathVerdict, pathMTU: Int, fail: DiagnosisEvidence.Rung.Outcome = .lost)
        -> DiagnosisEvidence.PathSide
    {
        var side = DiagnosisEvidence.PathSide(verdict: verdict, method: .forward(.datagram), pathMTU: pathMTU)
        side.firstFailing = pathMTU + 1
        side.ladder = ladder(pass: pathMTU, fail: fail)
        return side
    }

    static func stalledTLS() -> DiagnosisEvidence.Application {
        var app = DiagnosisEvidence.Application(
            tcpConnected: true, connectMs: 1, plainHTTPStatus: 400, tlsHandshake: .stalled)
        app.tlsDetail = "0 bytes of the server's first flight arrived"
        return app
    }
}

@Suite("Diagnosis rules")
struct DiagnosisTests {
    @Test func silentRoutedWallWithStalledTLS() {
        var e = Evidence.base()
        e.application = Evidence.stalledTLS()
        var forward = Evidence.forward(.blackhole, pathMTU: 1500)
        forward.location = WallLocation(
            lastGoodHop: "10.77.2.2", firstBadHop: "10.77.3.2", ttl: 3, hops: ["10.77.1.1", "10.77.2.2", "10.77.3.2"])
        e.forward = forward
        let d = Diagnoser.diagnose(e)
        #expect(d.verdict == .blackhole)
        #expect(d.cause?.id == "ptb-filtered")
        #expect(d.cause?.hop == "10.77.2.2")
        #expect(d.headline.contains("over 1500 bytes") && d.headline.contains("TLS handshake stalls"))
        let ruledOut = Set(d.ruledOut.map(\.item))
        for suspect in [
            "DNS", "Certificates", "RBAC / authorization", "Routing, BFD and keepalives",
            "The server and any load balancer in front of it",
        ] {
            #expect(ruledOut.contains(suspect), "\(suspect)")
        }
        #expect(d.hypotheses.contains { $0.id == "ptb-lost-rp-filter" && $0.status == .ruledOut })
        #expect(d.fixes.first?.commands.first?.contains("at least 9000") == true)
        #expect(d.path.last?.state == .wall)
    }

    @Test func ptbFromASVIIsTheCauseAndPMTUDWorks() {
        var e = Evidence.base()
        var forward = Evidence.forward(.ptb, pathMTU: 1500, fail: .ptb)
        forward.ptbMTU = 1500
        forward.ptbSource = "10.10.20.1"
        e.forward = forward
        let d = Diagnoser.diagnose(e)
        #expect(d.verdict == .degraded)
        #expect(d.cause?.id == "routed-hop-wall")
        #expect(d.cause?.status == .confirmed)
        #expect(d.cause?.hop == "10.10.20.1")
    }

    @Test func rpFilterDropsName() {
        var e = Evidence.base()
        e.application = Evidence.stalledTLS()
        e.host.rpFilter = 1
        var forward = Evidence.forward(.blackhole, pathMTU: 1500)
        forward.rpFilterDrops = 4
        e.forward = forward
        let d = Diagnoser.diagnose(e)
        #expect(d.cause?.id == "ptb-lost-rp-filter")
        #expect(d.headline.contains("dropped on arrival"))
        #expect(d.fixes.first?.title.contains("Accept the ICMP") == true)
        #expect(d.hypotheses.first { $0.id == "ptb-filtered" }.map { $0.confidence < 35 } == true)
    }

    /// Cilium behind a Transit Gateway: 9001-byte nodes, an 8500 hop, pods at 8951; from the pod nothing comes back.
    @Test func overlayUnderATransitGateway() {
        var e = Evidence.base(target: "10.244.2.2", sends: 8951)
        e.host.inPod = true
        e.forward = Evidence.forward(.blackhole, pathMTU: 8450)
        let d = Diagnoser.diagnose(e)
        let top = d.hypotheses.prefix(3).map(\.id)
        #expect(
            top.contains("underlay-wall-under-overlay") && top.contains("ptb-not-relayed")
                && top.contains("pod-mtu-exceeds-underlay"))
        #expect(d.hypotheses.first { $0.id == "underlay-wall-under-overlay" }?.title.contains("8500") == true)
        #expect(d.fixes.contains { $0.title.contains("8450") })
    }

    @Test func localTunnelDeviceSetsTheOverhead() {
        var e = Evidence.base(sends: 8950)
        e.host.tunnels = [.init(name: "vxlan.calico", kind: "vxlan", mtu: 8950, overhead: 50)]
        e.forward = Evidence.forward(.blackhole, pathMTU: 1450)
        let d = Diagnoser.diagnose(e)
        #expect(
            d.hypotheses.first { $0.id == "underlay-wall-under-overlay" }?.evidenceFor.first?.contains("1500 − 50")
                == true)
        #expect(d.fixes.first?.vendor == "calico")
    }

    /// A real TLS failure on a healthy path: not an MTU problem, and nothing MTU-ish is proposed.
    @Test func tlsAlertOnAHealthyPathIsNotMTU() {
        var e = Evidence.base()
        var app = DiagnosisEvidence.Application(
            tcpConnected: true, connectMs: 1, plainHTTPStatus: 400, tlsHandshake: .failed)
        app.tlsDetail = "the server answered with TLS alert handshake_failure"
        e.application = app
        e.forward = Evidence.forward(.ok, pathMTU: 9000)
        e.forward?.ladder = [.init(size: 9000, outcome: .passed, attempts: 1)]
        let d = Diagnoser.diagnose(e)
        #expect(d.verdict == .notMTU)
        #expect(d.cause?.id == "not-mtu")
        #expect(d.fixes.isEmpty)
        #expect(!d.hypotheses.contains { $0.id != "not-mtu" && $0.status != .ruledOut && $0.confidence >= 35 })
    }

    @Test func dnsFailureStopsBeforeTheMTU() {
        var e = DiagnosisEvidence(target: "api.invalid")
        e.dns = .init(literal: false, resolved: false, error: "Name or service not known")
        let d = Diagnoser.diagnose(e)
        #expect(d.verdict == .notMTU)
        #expect(d.headline.contains("name resolution"))
        #expect(!d.headline.contains("full-size"), "nothing was measured: no claim about the path")
    }

    @Test func asymmetricDirections() {
        var e = Evidence.base()
        e.forward = Evidence.forward(.ptb, pathMTU: 3950, fail: .ptb)
        e.forward?.ptbSource = "10.0.0.1"
        e.forward?.ptbMTU = 3950
        e.reverse = .init(verdict: .blackhole, method: .reverse(.tcpMSS), pathMTU: 1950)
        let d = Diagnoser.diagnose(e)
        #expect(d.verdict == .blackhole)
        #expect(
            d.hypotheses.first { $0.id == "asymmetric-path" }?.status == .possible,
            "a description of the path, ranked below the wall that causes the trouble")
        #expect(d.cause?.id == "reverse-wall")
    }

    @Test func mssClampTooHigh() {
        var e = Evidence.base()
        e.host.mssClamps = [
            .init(rule: "-A FORWARD -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 8960", mss: 8960)
        ]
        e.forward = Evidence.forward(.blackhole, pathMTU: 1500)
        let d = Diagnoser.diagnose(e)
        let clamp = d.hypotheses.first { $0.id == "mss-clamp" }
        #expect(clamp?.title.contains("too high") == true)
        #expect(clamp?.status == .likely)
    }

    @Test func healthyPathIsOK() {
        var e = Evidence.base()
        var app = DiagnosisEvidence.Application(
            tcpConnected: true, connectMs: 1, plainHTTPStatus: 400, tlsHandshake: .ok)
        app.certificateBytes = 4660
        e.application = app
        e.forward = Evidence.forward(.ok, pathMTU: 9000)
        e.reverse = .init(verdict: .ok, method: .reverse(.tlsMSS), pathMTU: nil)
        let d = Diagnoser.diagnose(e)
        #expect(d.verdict == .ok)
        #expect(d.fixes.isEmpty && d.ruledOut.isEmpty)
    }

    /// The topology file says every hop carries 9000; the path passes 1500: the disagreement is named.
    @Test func topologyThatDisagreesIsReported() {
        var e = Evidence.base()
        e.forward = Evidence.forward(.blackhole, pathMTU: 1500)
        e.forward?.location = WallLocation(lastGoodHop: "10.0.0.1", firstBadHop: "10.0.0.2", hops: [])
        e.topology = .init(
            file: "site.yaml", flow: "api", expectedPathMTU: 9000,
            bottleneck: Bottleneck(
                node: "fw-01", interface: "port1", layer: .ip, role: .forward, mtu: 9000, reason: "configured 9000"),
            displayedMTU: nil, expectedVerdict: .ok)
        let d = Diagnoser.diagnose(e)
        #expect(d.disagreements.first?.contains("site.yaml predicts 9000") == true)
        #expect(d.disagreements.first?.contains("between 10.0.0.1 and 10.0.0.2") == true)
    }
}

/// Causality per direction, every combination: the forward direction's fate × the reverse direction's fate × the
/// symptom (a client's TLS stall — the server's flight, reverse data — or none). Only a wall on the stalled data's
/// direction, and one that PMTUD does not repair, may be the cause.
@Suite("Diagnosis: causality per direction")
struct DirectionCausalityTests {
    enum Fate: String, CaseIterable { case fits, ptb, silent, unmeasured }

    static func evidence(forward: Fate, reverse: Fate, stalled: Bool) -> DiagnosisEvidence {
        var e = Evidence.base()
        switch forward {
        case .fits: e.forward = .init(verdict: .ok, method: .forward(.raw), pathMTU: 9000)
        case .ptb:
            e.forward = Evidence.forward(.ptb, pathMTU: 3000, fail: .ptb)
            e.forward?.ptbSource = "10.0.0.1"
            e.forward?.ptbMTU = 3000
        case .silent: e.forward = Evidence.forward(.blackhole, pathMTU: 3000)
        case .unmeasured: e.forward = .init(verdict: .unreachable, method: .forward(.raw))
        }
        switch reverse {
        case .fits: e.reverse = .init(verdict: .ok, method: .reverse(.tlsMSS))
        case .ptb: e.reverse = .init(verdict: .ptb, method: .reverse(.serveUDP), pathMTU: 2000)
        case .silent: e.reverse = .init(verdict: .blackhole, method: .reverse(.tlsMSS), pathMTU: 2000)
        case .unmeasured: e.reverse = .init(verdict: .notMeasured, method: .reverse(.notMeasured))
        }
        e.application =
            stalled
            ? Evidence.stalledTLS() : .init(tcpConnected: true, connectMs: 1, plainHTTPStatus: 400, tlsHandshake: .ok)
        return e
    }

    @Test(arguments: Fate.allCases, Fate.allCases)
    func onlyTheStalledDirectionCanCause(forward: Fate, reverse: Fate) {
        for stalled in [false, true] {
            // A TLS handshake cannot complete through a silent reverse wall the flight must cross.
            if !stalled, reverse == .silent { continue }
            let d = Diagnoser.diagnose(Self.evidence(forward: forward, reverse: reverse, stalled: stalled))
            let label = "forward \(forward), reverse \(reverse), TLS \(stalled ? "stalled" : "ok")"
            let causes = d.hypotheses.filter { $0.status == .confirmed || $0.status == .likely }
            if stalled {
                #expect(
                    !causes.contains { $0.direction == .forward && forward != .silent },
                    "\(label): a forward wall that is not silent cannot stall the server's flight: \(causes.map(\.id))")
                #expect(
                    !causes.contains { $0.direction == .forward && forward == .ptb },
                    "\(label): PMTUD repairs the forward wall")
                if reverse == .silent {
                    #expect(d.cause?.id == "reverse-wall", "\(label): \(causes.map(\.id))")
                    #expect(d.headline.contains("do not come back"), "\(label): \(d.headline)")
                    #expect(d.fixes.first?.title.contains("way back") == true, "\(label): \(d.fixes.map(\.title))")
                }
                if forward == .ptb {
                    #expect(
                        d.ruledOut.contains { $0.item.contains("forward wall") && $0.why.contains("PMTUD repairs it") },
                        "\(label): \(d.ruledOut.map(\.item))")
                }
                if reverse == .ptb {
                    #expect(
                        !causes.contains { $0.id == "reverse-wall" },
                        "\(label): a reverse wall whose PTB reaches the server cannot stall it")
                }
                #expect(d.verdict == .blackhole || d.verdict == .inconclusive, "\(label): \(d.verdict)")
            } else {
                #expect(!causes.contains { $0.id == "reverse-wall" && reverse != .silent }, "\(label)")
                if forward == .silent { #expect(d.verdict == .blackhole, "\(label)") }
                if forward == .ptb, reverse != .silent {
                    #expect(d.cause?.id == "routed-hop-wall", "\(label): \(causes.map(\.id))")
                }
                if forward == .fits, reverse == .fits { #expect(d.verdict == .ok, "\(label): \(d.verdict)") }
            }
            // The same evidence twice gives the same diagnosis.
            #expect(Diagnoser.diagnose(Self.evidence(forward: forward, reverse: reverse, stalled: stalled)) == d)
        }
    }
}
