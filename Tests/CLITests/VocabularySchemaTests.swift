import Foundation
import MTUCore
import MTUTestSupport
import Testing

/// The typed vocabulary and the published JSON schemas (docs/schema) say the same words: every enumeration a schema
/// declares is exactly the raw values of the enum that writes it, so a new case cannot reach a document the schema
/// rejects, and a schema value cannot go unwritten.
@Suite("vocabulary and schemas agree")
struct VocabularySchemaTests {
    /// The `enum` of the schema property at `path` (object keys, `[]` for `items`, `$name` for `$defs/name`).
    static func schemaEnum(_ command: String, _ path: [String]) throws -> Set<String> {
        let data = try Data(
            contentsOf: URL(fileURLWithPath: "\(TestSupport.repositoryRoot)/docs/schema/\(command).schema.json"))
        var node = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        for key in path {
            let next: Any?
            if key == "[]" {
                next = node["items"]
            } else if key.hasPrefix("$") {
                next = (node["$defs"] as? [String: Any])?[String(key.dropFirst())]
            } else {
                next = (node["properties"] as? [String: Any])?[key]
            }
            node = try #require(next as? [String: Any], "\(command): no \(key) in \(path)")
        }
        return Set(try #require(node["enum"] as? [String], "\(command): \(path) has no enum"))
    }

    static func raw<T: CaseIterable & RawRepresentable>(_: T.Type) -> Set<String> where T.RawValue == String {
        Set(T.allCases.map(\.rawValue))
    }

    /// The spellings of a producer's finding kinds.
    static func raw(_ kinds: [FindingKind]) -> Set<String> { Set(kinds.map(\.rawValue)) }

    @Test func captureAnalyze() throws {
        #expect(
            try Self.schemaEnum("capture.analyze", ["findings", "[]", "kind"])
                == Self.raw(FindingKind.captureKinds))
        #expect(try Self.schemaEnum("capture.analyze", ["verdict"]) == Self.raw(CaptureVerdict.self))
        #expect(
            try Self.schemaEnum("capture.analyze", ["flows", "[]", "tls"])
                == Self.raw(ConnectionSummary.TLSProgress.self))
        #expect(
            try Self.schemaEnum("capture.analyze", ["findings", "[]", "severity"]).isSubset(of: Self.raw(Severity.self))
        )
    }

    @Test func checkAndDiagnose() throws {
        #expect(try Self.schemaEnum("check", ["verdict"]) == Self.raw(Verdict.self))
        #expect(try Self.schemaEnum("check", ["$finding", "kind"]) == Self.raw(FindingKind.checkKinds))
        #expect(
            try Self.schemaEnum("diagnose", ["$hypothesis", "id"]) == Self.raw(FindingKind.diagnoseCauses))
        #expect(
            try Self.schemaEnum("kube.audit", ["findings", "[]", "id"]) == Self.raw(FindingKind.auditKinds))
        let lists: [[FindingKind]] = [
            FindingKind.checkKinds, FindingKind.auditKinds, FindingKind.captureKinds, FindingKind.diagnoseCauses,
        ]
        #expect(lists.allSatisfy { Set($0).count == $0.count }, "a kind listed twice")
        #expect(try Self.schemaEnum("check", ["$direction", "verdict"]) == Self.raw(Verdict.self))
        #expect(try Self.schemaEnum("check", ["$direction", "bottleneck", "layer"]) == Self.raw(PathLayer.self))
        #expect(try Self.schemaEnum("check", ["$direction", "bottleneck", "role"]) == Self.raw(HopRole.self))
        #expect(try Self.schemaEnum("check", ["$direction", "hops", "[]", "role"]) == Self.raw(HopRole.self))
        #expect(try Self.schemaEnum("check", ["$direction", "fate", "kind"]) == Self.raw(FateKind.self))
        #expect(
            try Self.schemaEnum("check", ["$direction", "fate", "lostReason"]) == Self.raw(PathFate.LossReason.self))
        #expect(
            try Self.schemaEnum("check", ["$finding", "severity"]) == Self.raw(Severity.self).subtracting(["critical"]))
        #expect(try Self.schemaEnum("diagnose", ["verdict"]) == Self.raw(Diagnosis.Verdict.self))
        #expect(try Self.schemaEnum("diagnose", ["$hypothesis", "status"]) == Self.raw(Hypothesis.Status.self))
        #expect(try Self.schemaEnum("diagnose", ["$hypothesis", "direction"]) == Self.raw(PathDirection.self))
        #expect(try Self.schemaEnum("diagnose", ["path", "[]", "state"]) == Self.raw(DiagnosisHop.State.self))
        #expect(
            try Self.schemaEnum("diagnose", ["evidence", "steps", "[]", "outcome"])
                == Self.raw(DiagnosisEvidence.Step.Outcome.self))
        #expect(
            try Self.schemaEnum("diagnose", ["evidence", "application", "tlsHandshake"]) == Self.raw(TLSHandshake.self))
    }

    @Test func probeMeshAndAudit() throws {
        // Both directions together use every measured verdict; `not-measured` is diagnose's evidence only.
        let forward = try Self.schemaEnum("probe", ["forward", "verdict"])
        let reverse = try Self.schemaEnum("probe", ["reverse", "verdict"])
        #expect(forward.union(reverse) == Self.raw(PathVerdict.self).subtracting([PathVerdict.notMeasured.rawValue]))
        #expect(try Self.schemaEnum("probe", ["reverse", "method"]) == Self.raw(ReverseMethod.self))
        #expect(try Self.schemaEnum("probe", ["forward", "socket"]) == Self.raw(ForwardMethod.self))
        #expect(try Self.schemaEnum("probe", ["forward", "oneWay"]) == Self.raw(OneWayCheck.self))
        #expect(
            try Self.schemaEnum("diagnose", ["$side", "method"])
                == Self.raw(ForwardMethod.self).union(Self.raw(ReverseMethod.self)))
        // A signature is a test: `not-tested` is diagnose's evidence only.
        #expect(
            try Self.schemaEnum("probe", ["tls", "handshake"])
                == Self.raw(TLSHandshake.self).subtracting([TLSHandshake.notTested.rawValue]))
        #expect(try Self.schemaEnum("kube.mesh", ["verdict"]) == Self.raw(MeshReport.Verdict.self))
        #expect(try Self.schemaEnum("kube.mesh", ["groups", "[]", "kind"]) == Self.raw(MeshReport.GroupKind.self))
        #expect(try Self.schemaEnum("kube.audit", ["verdict"]) == Self.raw(KubeAuditReport.Verdict.self))
        #expect(try Self.schemaEnum("kube.audit", ["cni", "[]", "install"]) == Self.raw(CNISettings.Install.self))
        #expect(try Self.schemaEnum("kube.audit", ["cni", "[]", "name"]) == Self.raw(CNISettings.Name.self))
        #expect(
            try Self.schemaEnum("kube.audit", ["cni", "[]", "sources", "[]", "sizes"])
                == Self.raw(CNISettings.Source.Sizes.self))
    }
}
