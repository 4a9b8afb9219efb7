/// One possible cause, with what speaks for and against it.
public struct Hypothesis: Sendable, Hashable, Codable {
    /// What kind of cause: a kind check also finds (l2-mtu-mismatch, ptb-filtered, ptb-lost-rp-filter,
    /// ptb-not-relayed, pod-mtu-exceeds-underlay) or one only diagnose weighs (routed-hop-wall, reverse-wall,
    /// underlay-wall-under-overlay, mss-clamp, asymmetric-path, not-mtu).
    public var id: FindingKind
    public var title: String
    /// 0–100: how well the cause fits all the evidence.
    public var confidence: Int
    public var status: Status
    /// In the user's terms: what happens, where.
    public var explanation: String
    public var evidenceFor: [String]
    public var evidenceAgainst: [String]
    /// The hop (address or node) and layer it points at, when it points somewhere.
    public var hop: String?
    public var layer: String?
    /// The direction whose wall this cause is about: forward (toward the target) or reverse (back to us).
    public var direction: PathDirection?

    public init(
        id: FindingKind, title: String, confidence: Int, status: Status, explanation: String, evidenceFor: [String],
        evidenceAgainst: [String], hop: String? = nil, layer: String? = nil, direction: PathDirection? = nil
    ) {
        self.id = id
        self.title = title
        self.confidence = confidence
        self.status = status
        self.explanation = explanation
        self.evidenceFor = evidenceFor
        self.evidenceAgainst = evidenceAgainst
        self.hop = hop
        self.layer = layer
        self.direction = direction
    }

    /// confirmed (≥ 85) | likely (≥ 60) | possible (≥ 35) | unlikely (< 35) — or ruled-out when evidence contradicts
    /// it, whatever the confidence.
    public enum Status: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
        case confirmed, likely, possible, unlikely
        case ruledOut = "ruled-out"

        public init(confidence: Int) {
            self = confidence >= 85 ? .confirmed : confidence >= 60 ? .likely : confidence >= 35 ? .possible : .unlikely
        }

        /// The JSON spelling, also in interpolated text.
        public var description: String { rawValue }
    }
}

/// A usual suspect, and why it is not the cause.
public struct RuledOut: Sendable, Hashable, Codable {
    public var item: String
    public var why: String

    public init(item: String, why: String) {
        self.item = item
        self.why = why
    }
}

/// One hop of the measured path, for drawing.
public struct DiagnosisHop: Sendable, Hashable, Codable {
    public var label: String
    public var address: String?
    public var state: State
    public var note: String?

    /// Whether large packets pass this hop (`passes`), stop here (`wall`), are past the wall (`beyond`), or nobody
    /// knows (`unknown`); the raw values are the JSON spelling and the description.
    public enum State: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
        case passes, wall, beyond, unknown

        public var description: String { rawValue }
    }

    public init(label: String, address: String?, state: State, note: String?) {
        self.label = label
        self.address = address
        self.state = state
        self.note = note
    }
}

/// The answer: a verdict, the cause that fits, what was ruled out, and what to change.
public struct Diagnosis: Sendable, Hashable, Encodable {
    /// `blackhole`: large packets are lost without a word (or a stall says so); `degraded`: a wall that says so (a
    /// PTB); `not-mtu`: the failure is before MTU matters (DNS, TCP, TLS refused); `inconclusive`: the measurement
    /// could not decide; `ok`: the path carries what the ends send.
    public enum Verdict: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
        case ok, degraded, blackhole, inconclusive
        case notMTU = "not-mtu"

        /// The JSON spelling, also in interpolated text.
        public var description: String { rawValue }
    }

    public var verdict: Verdict
    /// One sentence, in the user's terms.
    public var headline: String
    /// Ranked, most likely first; unlikely ones stay, to show they were considered.
    public var hypotheses: [Hypothesis]
    public var ruledOut: [RuledOut]
    public var fixes: [Fix]
    /// Where configuration (a topology file) and the measurement disagree.
    public var disagreements: [String]
    public var path: [DiagnosisHop]
    public var evidence: DiagnosisEvidence

    public init(
        verdict: Verdict, headline: String, hypotheses: [Hypothesis], ruledOut: [RuledOut], fixes: [Fix],
        disagreements: [String], path: [DiagnosisHop], evidence: DiagnosisEvidence
    ) {
        self.verdict = verdict
        self.headline = headline
        self.hypotheses = hypotheses
        self.ruledOut = ruledOut
        self.fixes = fixes
        self.disagreements = disagreements
        self.path = path
        self.evidence = evidence
    }

    public var cause: Hypothesis? { hypotheses.first { $0.status == .confirmed || $0.status == .likely } }
}
