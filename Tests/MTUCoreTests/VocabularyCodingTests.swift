import Foundation
import MTUCore
import MTUModel
import Testing

/// The typed words whose JSON is written by hand read back to the same value, and text that is not theirs is refused.
@Suite("Typed words: written and read back")
struct VocabularyCodingTests {
    static let outcomes: [ProbeOutcome] = [
        .passed, .silent, .localLimit(mtu: nil), .localLimit(mtu: 1500), .ptb(mtu: 1400, source: "10.0.0.1"),
        .ptb(mtu: 1280, source: "2001:db8::1"), .timeExceeded(from: "192.168.1.1"),
        .unreachable(code: 3, from: "fd00::2"),
    ]

    /// A ladder step's outcome is probe's text ("ptb 1400 from 10.0.0.1"); it reads back, and diagnose's four words
    /// count a UDP probe's "port unreachable" as an answer, as the search does.
    @Test func probeOutcomesReadBackFromTheirText() throws {
        for outcome in Self.outcomes {
            #expect(ProbeOutcome(outcome.description) == outcome, "\(outcome)")
            let step = SearchResult.LadderStep(size: 1400, outcome: outcome, attempts: 2)
            let data = try JSONEncoder().encode(step)
            let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            #expect(object["outcome"] as? String == outcome.description)
            #expect(try JSONDecoder().decode(SearchResult.LadderStep.self, from: data) == step)
        }
        for text in ["", "ptb", "ptb x from a", "ptb 1400 to a", "passed ", "local-limit big", "unreachable 3 a b"] {
            #expect(ProbeOutcome(text) == nil, "\(text)")
        }
        let rungs = Self.outcomes.map { DiagnosisEvidence.Rung.Outcome($0) }
        #expect(rungs == [.passed, .lost, .local, .local, .ptb, .ptb, .lost, .passed])
        #expect(Self.outcomes.filter(\.answered) == [.passed, .unreachable(code: 3, from: "fd00::2")])
    }

    /// Diagnose's evidence names either direction's method in one string; the two sets of words must stay disjoint
    /// for it to read back.
    @Test func pathMethodsAreOneStringEach() throws {
        let methods =
            ForwardMethod.allCases.map(PathMethod.forward) + ReverseMethod.allCases.map(PathMethod.reverse)
        #expect(Set(methods.map(\.description)).count == methods.count)
        for method in methods {
            let data = try JSONEncoder().encode([method])
            #expect(String(decoding: data, as: UTF8.self) == "[\"\(method)\"]")
            #expect(try JSONDecoder().decode([PathMethod].self, from: data) == [method])
        }
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([PathMethod].self, from: Data(#"["icmp"]"#.utf8))
        }
    }

    /// A hop's layer is one text in schema 1 ("underlay (VXLAN)"); it reads back into the layer and the encapsulation.
    @Test func hopLayersReadBack() throws {
        for (layer, encapsulation) in [
            (PathLayer.ip, nil), (.overlay, nil), (.underlay, "VXLAN"), (.underlay, "Geneve"),
        ] {
            let hop = HopReport(
                node: "fw", role: .forward, layer: layer, encapsulation: encapsulation, mtu: 1500, innerLimit: 1450,
                reason: "r")
            let data = try JSONEncoder().encode(hop)
            let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            #expect(object["layer"] as? String == hop.layerText)
            #expect(try JSONDecoder().decode(HopReport.self, from: data) == hop)
        }
        let bad = Data(#"{"node":"a","role":"forward","layer":"L2","mtu":1,"innerLimit":1,"reason":""}"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(HopReport.self, from: bad) }
    }

    /// Diagnose's path side keeps schema 1's flat keys for the wall's place and reads them back into one
    /// `WallLocation`; its wall is the same value probe's forward report gives.
    @Test func pathSidesKeepTheirFlatWall() throws {
        var side = DiagnosisEvidence.PathSide(verdict: .blackhole, method: .forward(.raw), pathMTU: 1450)
        side.firstFailing = 1451
        side.ladder = [
            .init(size: 1450, outcome: .passed, attempts: 1), .init(size: 1451, outcome: .lost, attempts: 3),
        ]
        let bare = try JSONSerialization.jsonObject(with: JSONEncoder().encode(side)) as? [String: Any]
        #expect((bare?["hops"] as? [Any])?.isEmpty == true && bare?["wallTTL"] == nil)
        #expect(try JSONDecoder().decode(DiagnosisEvidence.PathSide.self, from: JSONEncoder().encode(side)) == side)

        let location = WallLocation(lastGoodHop: "10.0.1.1", firstBadHop: nil, ttl: 3, hops: ["10.0.0.1", nil, nil])
        side.location = location
        let data = try JSONEncoder().encode(side)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["lastGoodHop"] as? String == "10.0.1.1" && object["wallTTL"] as? Int == 3)
        #expect(object["firstBadHop"] == nil && (object["hops"] as? [Any])?.count == 3)
        #expect(try JSONDecoder().decode(DiagnosisEvidence.PathSide.self, from: data) == side)

        let forward = ProbeReport.Forward(
            pathMTU: 1450, verdict: .blackhole, wall: location, rpFilterDrops: 0,
            ladder: [
                .init(size: 1400, outcome: .passed, attempts: 1), .init(size: 1450, outcome: .passed, attempts: 1),
                .init(size: 1451, outcome: .silent, attempts: 3), .init(size: 1500, outcome: .silent, attempts: 1),
            ], explanation: "", socket: .raw)
        #expect(forward.measuredWall == side.wall)
        #expect(side.wall.lastGoodHop == "10.0.1.1" && side.wall.layer == nil)
        #expect(side.wall.lastGoodRouter == "10.0.1.1")
        side.location?.lastGoodHop = WallLocation.thisHost
        #expect(side.wall.lastGoodHop == "source" && side.wall.lastGoodRouter == nil, "this host is no router")
    }
}
