/// One directed measurement as an agent reported it.
public struct MeshMeasurement: Sendable, Hashable, Codable {
    public var from: String
    public var fromAddress: String?
    public var to: String
    public var toAddress: String?
    public var pathMTU: Int?
    public var verdict: PathVerdict
    public var stale: Bool
    /// The agent whose probe measured it (the sender for forward results, the receiver for reverse ones).
    public var measuredBy: String

    public init(
        from: String, fromAddress: String?, to: String, toAddress: String?, pathMTU: Int?, verdict: PathVerdict,
        stale: Bool, measuredBy: String
    ) {
        self.from = from
        self.fromAddress = fromAddress
        self.to = to
        self.toAddress = toAddress
        self.pathMTU = pathMTU
        self.verdict = verdict
        self.stale = stale
        self.measuredBy = measuredBy
    }
}

/// The N×N directed matrix, the broken pairs grouped, and where the boundary likely is.
public struct MeshReport: Sendable, Hashable, Codable {
    public struct Node: Sendable, Hashable, Codable {
        public var name: String
        public var address: String?

        public init(name: String, address: String? = nil) {
            self.name = name
            self.address = address
        }
    }

    public struct Pair: Sendable, Hashable, Codable {
        public var from: String
        public var to: String
        public var pathMTU: Int?
        public var verdict: PathVerdict
        public var stale: Bool
        public var measuredBy: String

        public init(
            from: String, to: String, pathMTU: Int? = nil, verdict: PathVerdict, stale: Bool, measuredBy: String
        ) {
            self.from = from
            self.to = to
            self.pathMTU = pathMTU
            self.verdict = verdict
            self.stale = stale
            self.measuredBy = measuredBy
        }
    }

    /// What the limited pairs of a group share: one node, a subnet pair, a pair of node-label values (the zone).
    public enum GroupKind: String, Sendable, Hashable, Codable, CaseIterable {
        case node, subnet, label
    }

    /// `blackhole`: some pair loses large packets silently; `degraded`: pairs are limited (a PTB names the wall, or
    /// a smaller path MTU than the rest); `incomplete`: every pair measured passes, but pairs are missing or stale.
    public enum Verdict: String, Sendable, Hashable, Codable, CaseIterable {
        case ok, degraded, blackhole, incomplete
    }

    public struct Group: Sendable, Hashable, Codable {
        public typealias Kind = GroupKind
        public var kind: Kind
        public var from: String
        public var to: String
        public var pathMTU: Int?
        /// Sorted by their JSON spelling.
        public var verdicts: [PathVerdict]
        public var pairs: Int
        public var description: String

        public init(
            kind: Kind, from: String, to: String, pathMTU: Int? = nil, verdicts: [PathVerdict], pairs: Int,
            description: String
        ) {
            self.kind = kind
            self.from = from
            self.to = to
            self.pathMTU = pathMTU
            self.verdicts = verdicts
            self.pairs = pairs
            self.description = description
        }
    }

    public var nodes: [Node]
    public var pairs: [Pair]
    public var groups: [Group]
    /// The largest path MTU seen: what healthy pairs carry.
    public var expected: Int?
    public var verdict: Verdict
    public var summary: String
    /// Pairs nobody measured, or whose results are stale.
    public var missing: Int

    public init(
        nodes: [Node], pairs: [Pair], groups: [Group], expected: Int? = nil, verdict: Verdict, summary: String,
        missing: Int
    ) {
        self.nodes = nodes
        self.pairs = pairs
        self.groups = groups
        self.expected = expected
        self.verdict = verdict
        self.summary = summary
        self.missing = missing
    }

    /// Directed path MTU by node index (rows from, columns to), nil where unknown.
    public var matrix: [[Int?]] {
        let index = Dictionary(uniqueKeysWithValues: nodes.enumerated().map { ($1.name, $0) })
        var values = [[Int?]](repeating: [Int?](repeating: nil, count: nodes.count), count: nodes.count)
        for pair in pairs {
            if let row = index[pair.from], let column = index[pair.to] { values[row][column] = pair.pathMTU }
        }
        return values
    }
}
