// A path's wall, one value: what probe measures, check models and diagnose compares.

/// A path's wall: the size boundary and where it stands. `probe` measures one (sizes by DF probes, the place by
/// TTL), `check` models one (a hop of the topology with its layer), `diagnose` compares the two. Documents keep their
/// schema-1 shapes (probe's `pathMTU` and `wall`, check's `pathMTU` and `bottleneck`, diagnose's flat path sides);
/// in memory each gives its wall as this value (`SearchResult.wall`, `ProbeReport.Forward.measuredWall`,
/// `DirectionResult.wall`, `DiagnosisEvidence.PathSide.wall`, `DiagnosisEvidence.Topology.wall`).
public struct Wall: Sendable, Hashable {
    /// The largest packet that passes: the path MTU (nil: nothing passed at all).
    public var largestPassing: Int?
    /// The smallest size that does not pass (nil: nothing failed in the range measured or modelled).
    public var smallestFailing: Int?
    /// Where it stands, when known.
    public var place: Place?

    /// Measured: the last hop large packets reach and the first they do not, by TTL. Modelled: the topology's hop,
    /// with its interface, layer and role.
    public enum Place: Sendable, Hashable {
        case measured(WallLocation)
        case modelled(Bottleneck)
    }

    public init(largestPassing: Int?, smallestFailing: Int?, place: Place? = nil) {
        self.largestPassing = largestPassing
        self.smallestFailing = smallestFailing
        self.place = place
    }

    /// The hop at the wall: the first a measured wall's large packets do not reach, or the modelled node (with its
    /// interface).
    public var hop: String? {
        switch place {
        case .measured(let location): location.firstBadHop
        case .modelled(let bottleneck): bottleneck.place
        case nil: nil
        }
    }

    /// The last hop large packets reach (measured walls only).
    public var lastGoodHop: String? {
        if case .measured(let location) = place { return location.lastGoodHop }
        return nil
    }

    /// The last router large packets reach: `lastGoodHop` unless that is this host itself.
    public var lastGoodRouter: String? {
        lastGoodHop == WallLocation.thisHost ? nil : lastGoodHop
    }

    /// Which packets meet it: known for modelled walls; a measurement cannot tell (nil).
    public var layer: PathLayer? {
        if case .modelled(let bottleneck) = place { return bottleneck.layer }
        return nil
    }
}

/// Where the wall is: the last hop large packets reach and the first they do not.
public struct WallLocation: Sendable, Hashable, Codable {
    public var lastGoodHop: String?
    public var firstBadHop: String?
    /// TTL of `firstBadHop`.
    public var ttl: Int?
    /// Hop addresses by TTL, as small probes saw them.
    public var hops: [String?]

    public init(
        lastGoodHop: String? = nil, firstBadHop: String? = nil, ttl: Int? = nil, hops: [String?]
    ) {
        self.lastGoodHop = lastGoodHop
        self.firstBadHop = firstBadHop
        self.ttl = ttl
        self.hops = hops
    }
}

extension SearchResult {
    /// The search's wall: its sizes (the place needs a TTL search, `WallLocation.locate`).
    public var wall: Wall { Wall(largestPassing: pathMTU, smallestFailing: firstFailing) }
}

extension ProbeReport.Forward {
    /// The forward wall probe measured: the path MTU, the smallest failing size of the ladder, and the place when
    /// `--locate` found it (the document's `wall`).
    public var measuredWall: Wall {
        Wall(
            largestPassing: pathMTU,
            smallestFailing: ladder.first { $0.size > (pathMTU ?? 0) && !$0.outcome.answered }?.size,
            place: wall.map(Wall.Place.measured))
    }
}

extension DirectionResult {
    /// The wall check modelled for this direction: the path MTU and the bottleneck hop (nothing fails below the
    /// sender's own MTU when the sender is the bottleneck).
    public var wall: Wall {
        Wall(
            largestPassing: pathMTU, smallestFailing: bottleneck.role == .sender ? nil : pathMTU + 1,
            place: .modelled(bottleneck))
    }
}

extension WallLocation {
    /// How `lastGoodHop` names this host, when large packets reach no hop at all (the JSON spelling).
    public static let thisHost = "source"
}
