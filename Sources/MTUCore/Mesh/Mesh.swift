extension MeshReport {
    /// Builds the matrix from every agent's measurements: forward results first; a reverse result fills a pair only
    /// where the sender reported nothing.
    /// - Parameter labels: a node label's value per node name (e.g. `topology.kubernetes.io/zone`), named `labelKey`;
    ///   limited pairs are then also grouped by it when that explains them better than subnets.
    public static func build(
        _ measurements: [MeshMeasurement], labels: [String: String] = [:], labelKey: String = "zone"
    ) -> MeshReport {
        let (order, addresses, chosen) = collect(measurements)
        let nodes = order.map { Node(name: $0, address: addresses[$0].flatMap { $0.isEmpty ? nil : $0 }) }
        var pairs: [Pair] = []
        var missing = 0
        for from in order {
            for to in order where to != from {
                guard let measurement = chosen["\(from)→\(to)"] else {
                    missing += 1
                    continue
                }
                if measurement.stale { missing += 1 }
                pairs.append(
                    Pair(
                        from: from, to: to, pathMTU: measurement.pathMTU, verdict: measurement.verdict,
                        stale: measurement.stale, measuredBy: measurement.measuredBy))
            }
        }
        let grouping = Grouping(pairs: pairs, addresses: addresses, labels: labels, labelKey: labelKey)
        let bad = grouping.fresh.filter(grouping.broken)
        var (groups, explained) = grouping.nodeGroups(order)
        groups += grouping.mergeReverse(
            grouping.subnetGroups(bad.filter { !explained.contains("\($0.from)→\($0.to)") }))
        groups += grouping.labelGroups(bad.filter { !explained.contains("\($0.from)→\($0.to)") })
        let fresh = grouping.fresh
        let expected = grouping.expected
        let verdict: Verdict
        if bad.contains(where: { $0.verdict == .blackhole }) {
            verdict = .blackhole
        } else if !bad.isEmpty {
            verdict = .degraded
        } else if missing > 0 {
            verdict = .incomplete
        } else {
            verdict = .ok
        }
        let summary: String
        if bad.isEmpty {
            summary =
                "\(fresh.count) directed pairs measured, all pass \(expected.map(String.init) ?? "?") bytes\(missing > 0 ? "; \(missing) pairs missing or stale" : "")"
        } else {
            summary =
                "\(bad.count) of \(fresh.count) directed pairs are limited: "
                + groups.map(\.description).joined(separator: "; ")
                + (missing > 0 ? "; \(missing) pairs missing or stale" : "")
        }
        return MeshReport(
            nodes: nodes, pairs: pairs, groups: groups, expected: expected, verdict: verdict, summary: summary,
            missing: missing)
    }

    /// The nodes in first-seen order with their addresses, and one measurement per directed pair: the sender's own
    /// over a reverse result, a fresh one over a stale one.
    static func collect(_ measurements: [MeshMeasurement])
        -> (order: [String], addresses: [String: String], chosen: [String: MeshMeasurement])
    {
        var addresses: [String: String] = [:]
        var order: [String] = []
        for measurement in measurements {
            for (name, address) in [
                (measurement.from, measurement.fromAddress), (measurement.to, measurement.toAddress),
            ] {
                if addresses[name] == nil { order.append(name) }
                if let address { addresses[name] = address } else if addresses[name] == nil { addresses[name] = "" }
            }
        }
        var chosen: [String: MeshMeasurement] = [:]
        for measurement in measurements {
            let key = "\(measurement.from)→\(measurement.to)"
            let direct = measurement.measuredBy == measurement.from
            if let existing = chosen[key] {
                let existingDirect = existing.measuredBy == existing.from
                if existingDirect && !direct { continue }
                if existingDirect == direct && !existing.stale && measurement.stale { continue }
            }
            chosen[key] = measurement
        }
        return (order, addresses, chosen)
    }

    /// Limited pairs named by what they share: one node, a subnet pair, a pair of label values.
    struct Grouping {
        let fresh: [Pair]
        /// The largest path MTU any fresh pair carries: what every pair should.
        let expected: Int?
        let addresses: [String: String]
        let labels: [String: String]
        let labelKey: String
        /// The largest path MTU a healthy pair within one subnet carries: what a boundary between subnets is measured
        /// against.
        private(set) var sameSubnetPasses: Int?

        init(pairs: [Pair], addresses: [String: String], labels: [String: String], labelKey: String) {
            fresh = pairs.filter { !$0.stale }
            expected = fresh.compactMap(\.pathMTU).max()
            self.addresses = addresses
            self.labels = labels
            self.labelKey = labelKey
            sameSubnetPasses = fresh.filter { subnet($0.from) == subnet($0.to) && !broken($0) }.compactMap(\.pathMTU)
                .max()
        }

        /// Each verdict once, in the order of their JSON spelling.
        static func sorted(_ verdicts: [PathVerdict]) -> [PathVerdict] {
            Set(verdicts).sorted { $0.rawValue < $1.rawValue }
        }

        func broken(_ pair: Pair) -> Bool {
            [.blackhole, .ptb, .unreachable, .inconclusive].contains(pair.verdict)
                || (expected.map { (pair.pathMTU ?? 0) < $0 } ?? false)
        }

        /// The subnet a node is in: /24 for IPv4, /64 for IPv6; the name when the address is unknown.
        func subnet(_ name: String) -> String {
            guard let address = addresses[name], !address.isEmpty, let ip = IPAddress(address) else { return name }
            let length = ip.version == .ipv4 ? 24 : 64
            return IPNetwork("\(address)/\(length)")?.masked.description ?? name
        }

        /// Nodes whose every pair is broken while others have healthy pairs, and the pairs they explain.
        func nodeGroups(_ names: [String]) -> ([Group], explained: Set<String>) {
            var groups: [Group] = []
            var explained: Set<String> = []
            // A node every one of whose pairs is broken, while others have healthy pairs: the node is the problem.
            if names.count > 2 {
                for name in names {
                    let involved = fresh.filter { $0.from == name || $0.to == name }
                    let others = fresh.filter { $0.from != name && $0.to != name }
                    guard !involved.isEmpty, involved.allSatisfy(broken), others.contains(where: { !broken($0) }) else {
                        continue
                    }
                    let mtu = involved.compactMap(\.pathMTU).min()
                    groups.append(
                        Group(
                            kind: .node, from: name, to: "*", pathMTU: mtu,
                            verdicts: Self.sorted(involved.map(\.verdict)), pairs: involved.count,
                            description:
                                "every pair to and from \(name)\(addresses[name].map { $0.isEmpty ? "" : " (\($0))" } ?? "") stops at \(mtu.map(String.init) ?? "?") while other pairs pass \(expected.map(String.init) ?? "?"): look at \(name)'s own link"
                        ))
                    for pair in involved { explained.insert("\(pair.from)→\(pair.to)") }
                }
            }
            return (groups, explained)
        }

        /// The rest, by subnet pair and path MTU.
        func subnetGroups(_ bad: [Pair]) -> [Group] {
            var groups: [Group] = []
            var buckets: [String: [Pair]] = [:]
            var bucketOrder: [String] = []
            for pair in bad {
                let key = "\(subnet(pair.from))|\(subnet(pair.to))|\(pair.pathMTU.map(String.init) ?? "?")"
                if buckets[key] == nil { bucketOrder.append(key) }
                buckets[key, default: []].append(pair)
            }
            for key in bucketOrder {
                let members = buckets[key]!
                let parts = key.split(separator: "|").map(String.init)
                let total = fresh.filter { subnet($0.from) == parts[0] && subnet($0.to) == parts[1] }.count
                let mtu = members.first?.pathMTU
                let scope = members.count == total ? "all \(members.count) pairs" : "\(members.count) of \(total) pairs"
                let within = parts[0] == parts[1]
                var text =
                    "\(scope) from \(parts[0]) to \(parts[1]) stop at \(mtu.map(String.init) ?? "?") (\(Self.sorted(members.map(\.verdict)).map(\.rawValue).joined(separator: ", ")))"
                if !within {
                    let same = sameSubnetPasses
                    if let same {
                        text += "; same-subnet pairs pass \(same): the boundary is between \(parts[0]) and \(parts[1])"
                    }
                }
                groups.append(
                    Group(
                        kind: .subnet, from: parts[0], to: parts[1], pathMTU: mtu,
                        verdicts: Self.sorted(members.map(\.verdict)), pairs: members.count, description: text))
            }
            return groups
        }

        /// A → B and B → A at the same MTU, all pairs both ways: one group for the boundary.
        func mergeReverse(_ groups: [Group]) -> [Group] {
            var merged: [Group] = []
            for group in groups {
                if group.kind == .subnet,
                    let index = merged.firstIndex(where: {
                        $0.kind == .subnet && $0.from == group.to && $0.to == group.from && $0.pathMTU == group.pathMTU
                    })
                {
                    let other = merged[index]
                    let allPairs = group.description.hasPrefix("all ") && other.description.hasPrefix("all ")
                    let same = sameSubnetPasses
                    merged[index] = Group(
                        kind: .subnet, from: other.from, to: other.to, pathMTU: group.pathMTU,
                        verdicts: Self.sorted(group.verdicts + other.verdicts),
                        pairs: group.pairs + other.pairs,
                        description:
                            "\(allPairs ? "all " : "")\(group.pairs + other.pairs) pairs crossing \(other.from) ↔ \(other.to) stop at \(group.pathMTU.map(String.init) ?? "?") in both directions (\(Self.sorted(group.verdicts + other.verdicts).map(\.rawValue).joined(separator: ", ")))\(same.map { "; same-subnet pairs pass \($0): the boundary is between the two subnets" } ?? "")"
                    )
                } else {
                    merged.append(group)
                }
            }
            return merged
        }

        /// Limited pairs none of which one node explains, all crossing between two values of a node label (zone),
        /// while pairs within a value pass: the label is the better name for the boundary.
        func labelGroups(_ unexplained: [Pair]) -> [Group] {
            var groups: [Group] = []
            if !labels.isEmpty, !unexplained.isEmpty,
                unexplained.allSatisfy({
                    labels[$0.from] != nil && labels[$0.to] != nil && labels[$0.from] != labels[$0.to]
                })
            {
                var byValues: [String: [Pair]] = [:]
                for pair in unexplained {
                    let ends = [labels[pair.from]!, labels[pair.to]!].sorted()
                    byValues["\(ends[0])|\(ends[1])", default: []].append(pair)
                }
                let within = fresh.filter { labels[$0.from] != nil && labels[$0.from] == labels[$0.to] }
                let withinPass = within.filter { !broken($0) }.compactMap(\.pathMTU).max()
                for key in byValues.keys.sorted() {
                    let members = byValues[key]!
                    let ends = key.split(separator: "|").map(String.init)
                    let total = fresh.filter {
                        Set([labels[$0.from], labels[$0.to]]) == Set([ends[0], ends[1]])
                            && labels[$0.from] != labels[$0.to]
                    }.count
                    let mtus = Set(members.compactMap(\.pathMTU)).sorted()
                    let mtuText = mtus.count == 1 ? String(mtus[0]) : mtus.map(String.init).joined(separator: "/")
                    var text =
                        "\(members.count == total ? "all \(members.count)" : "\(members.count) of \(total)") pairs between \(labelKey) \(ends[0]) and \(ends[1]) stop at \(mtuText) (\(Self.sorted(members.map(\.verdict)).map(\.rawValue).joined(separator: ", ")))"
                    if let withinPass, !within.contains(where: broken) {
                        text +=
                            "; pairs within a \(labelKey) pass \(withinPass): the boundary is between the \(labelKey)s"
                    }
                    groups.append(
                        Group(
                            kind: .label, from: ends[0], to: ends[1], pathMTU: mtus.first,
                            verdicts: Self.sorted(members.map(\.verdict)),
                            pairs: members.count, description: text))
                }
            }
            return groups
        }
    }
}

extension MeshReport {
    /// What could not be read, said in the summary: agents not reached make an otherwise clean matrix incomplete.
    public mutating func note(unreachable: [String], labels note: String?) {
        if let note { summary += "; " + note }
        if !unreachable.isEmpty {
            summary += "; agents not reached: " + unreachable.joined(separator: "; ")
            if verdict == .ok { verdict = .incomplete }
        }
    }
}
