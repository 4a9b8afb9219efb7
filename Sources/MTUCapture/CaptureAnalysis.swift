import MTUCore

extension FlowKey {
    init(_ ip: IPHeaderInfo, sourcePort: Int, destinationPort: Int) {
        self.init(
            version: ip.version, sourceHigh: ip.sourceHigh, sourceLow: ip.sourceLow, sourcePort: sourcePort,
            destinationHigh: ip.destinationHigh, destinationLow: ip.destinationLow, destinationPort: destinationPort)
    }
}

extension Coverage {
    /// A table of counts, most first (ties by name).
    static func counted(_ table: [String: Int]) -> [Count] {
        table.map { Count(what: $0.key, packets: $0.value) }.sorted { ($0.packets, $1.what) > ($1.packets, $0.what) }
    }
}

/// Reads captures packet by packet and finds the signatures of MTU trouble.
///
/// State is per connection and bounded: a ring of unacknowledged segments (to learn which sizes were delivered),
/// a short list of retransmitted ones (the stall candidates), TLS progress and the PTBs still being followed.
/// Connections are folded into their summary when they close, so memory depends on how many are open at once,
/// not on the file's size. Several files are analysed separately (the same connection seen from two vantage points
/// is not a retransmission) and compared at the end (MSS rewritten between them: clamping).
public struct CaptureAnalyzer {
    /// The MTU to hold outer (tunnel) packets against, when given.
    public var underlayMTU: Int?

    /// A segment is stalled when it was retransmitted this many times and never acknowledged.
    public static let stallRetransmissions = 3
    /// Connections tracked at once per file; later ones are counted, not analysed.
    public static let openConnectionLimit = 20_000
    /// Clean connections listed in the table; problem connections are always listed.
    public static let tableLimit = 2_000

    var findings: [Finding] = []
    var summaries: [ConnectionSummary] = []
    var omitted = 0
    var packets = 0
    var bytes = 0
    var warnings: [String] = []
    var tunnels = TunnelSummary()
    /// Files whose read ended at something untrustworthy before their end.
    var endedEarly: [String] = []
    /// Files that could not be read at all (several were given: the others are still analysed).
    var unreadable: [String] = []
    var dissected = 0
    var skipped: [String: Int] = [:]
    var through: [String: Int] = [:]
    var tunnelFile: String?
    var tunnelFrames: [Int] = []

    /// Records a file that could not be opened or is not a capture; the report says so and is never `ok`.
    public mutating func unreadable(_ name: String, reason: String) {
        unreadable.append(name)
        warnings.append("\(name): not analysed: \(reason)")
    }
    /// SYNs by connection identity (4-tuple + initial sequence), per file: MSS as each vantage point saw it.
    var syns: [SYNIdentity: [(file: String, frame: Int, mss: Int)]] = [:]

    struct SYNIdentity: Hashable {
        var flow: FlowKey
        var sequence: UInt32
    }

    public init(underlayMTU: Int? = nil) { self.underlayMTU = underlayMTU }

    /// Feeds every packet of one capture.
    public mutating func add(_ reader: inout CaptureReader, name: String) {
        var file = FileAnalysis(name: name, underlayMTU: underlayMTU)
        while let packet = reader.next() {
            file.add(Dissector.dissect(reader.bytes, packet), packet: packet, bytes: reader.bytes)
        }
        file.finish()
        packets += file.packets
        bytes += file.bytes
        dissected += file.dissected
        for (what, count) in file.skipped { skipped[what, default: 0] += count }
        for (what, count) in file.through { through[what, default: 0] += count }
        findings += file.findings
        for summary in file.summaries {
            if summary.stalled || summary.tls == .stalled || summaries.count < Self.tableLimit {
                summaries.append(summary)
            } else {
                omitted += 1
            }
        }
        omitted += file.untracked
        tunnels.packets += file.tunnels.packets
        if file.tunnels.largestOuter > tunnels.largestOuter {
            tunnels.largestOuter = file.tunnels.largestOuter
            tunnels.largestInner = file.tunnels.largestInner
        }
        tunnels.outerDontFragment += file.tunnels.outerDontFragment
        tunnels.outerFragments += file.tunnels.outerFragments
        if tunnelFile == nil, file.tunnels.packets > 0 {
            tunnelFile = name
            tunnelFrames = file.tunnelFrames
        }
        for (identity, mss) in file.syns where (syns[identity]?.count ?? 0) < 8 {
            syns[identity, default: []].append((name, mss.frame, mss.mss))
        }
        warnings += reader.warnings.map { "\(name): \($0)" }
        if reader.endedEarly { endedEarly.append("\(name) past frame \(file.packets)") }
        if file.untracked > 0 {
            warnings.append(
                "\(name): more than \(Self.openConnectionLimit) connections open at once; \(file.untracked) later ones were counted but not analysed"
            )
        }
    }

    /// Findings, the per-connection table and the verdict.
    public func report() -> CaptureReport {
        var findings = self.findings
        // The same SYN seen from two vantage points with different MSS values: something in between rewrote it.
        for (identity, seen) in syns.sorted(by: { ($0.value.first?.frame ?? 0) < ($1.value.first?.frame ?? 0) }) {
            let values = Set(seen.map(\.mss))
            guard values.count > 1, let high = seen.max(by: { $0.mss < $1.mss }),
                let low = seen.min(by: { $0.mss < $1.mss })
            else { continue }
            findings.append(
                Finding.capture(
                    kind: .mssClamped, severity: .info, file: low.file, direction: identity.flow.description,
                    frames: [low.frame],
                    summary:
                        "the SYN of \(identity.flow) carried MSS \(high.mss) in \(high.file) (frame \(high.frame)) and \(low.mss) in \(low.file): a device between the two capture points clamps the MSS to \(low.mss) (packets of \(low.mss + identity.flow.headerBytes) bytes)",
                    sizes: nil, ptb: nil))
        }
        if underlayMTU == nil, tunnels.packets > 0 {
            let kinds = through.keys.filter { ["VXLAN", "VXLAN-GPE", "Geneve", "GRE", "IP-in-IP"].contains($0) }
                .sorted().joined(separator: ", ")
            findings.append(
                Finding.capture(
                    kind: .overlay, severity: .info, file: tunnelFile ?? "", direction: nil, frames: tunnelFrames,
                    summary:
                        "\(tunnels.packets) tunnel packets (\(kinds)); the largest outer packet was \(tunnels.largestOuter) bytes carrying a \(tunnels.largestInner)-byte inner packet (\(tunnels.largestOuter - tunnels.largestInner) bytes of encapsulation); \(tunnels.outerDontFragment) IPv4 outer headers with DF set, \(tunnels.outerFragments) outer fragments. Give --mtu to check them against the underlay",
                    sizes: nil, ptb: nil))
        }
        let coverage = Coverage(
            packets: packets, dissected: dissected, skipped: Coverage.counted(skipped),
            through: Coverage.counted(through))
        let mostlyUnread = packets > 0 && dissected * 2 < packets
        let verdict = verdict(findings, mostlyUnread: mostlyUnread)
        var conclusion = Self.conclusion(verdict, findings)
        if verdict == .incomplete && packets > 0 && !unreadable.isEmpty {
            conclusion =
                "\(unreadable.count) file(s) could not be read (\(unreadable.joined(separator: ", "))); in the others: "
                + conclusion
        } else if verdict == .incomplete && mostlyUnread {
            let reasons = coverage.skipped.prefix(3).map { "\($0.what): \($0.packets)" }.joined(separator: "; ")
            conclusion =
                "only \(dissected) of \(packets) packets could be read down to IP (\(reasons)): no verdict on traffic this tool does not decode"
        } else if verdict == .incomplete && packets > 0 {
            conclusion =
                "no MTU evidence either way: " + (findings.first { $0.severity != .info }?.summary ?? conclusion)
        } else if verdict == .incomplete {
            conclusion =
                "nothing to analyse: no packet could be read"
                + (endedEarly.isEmpty ? "" : " (\(endedEarly.joined(separator: ", ")): see the warnings)")
        } else if !endedEarly.isEmpty {
            conclusion +=
                "; read only up to the point the file stopped being readable (\(endedEarly.joined(separator: ", ")))"
        }
        return CaptureReport(
            packets: packets, bytes: bytes, flows: summaries, flowsOmitted: omitted, findings: findings,
            tunnels: tunnels.packets > 0 ? tunnels : nil, verdict: verdict, coverage: coverage, conclusion: conclusion,
            warnings: warnings)
    }

    /// The verdict says no more than its findings prove: a black hole only from a critical finding whose evidence
    /// is not "cannot tell", degraded from MTU warnings, incomplete when nothing (or too little) was read or the only
    /// trouble is not about sizes.
    func verdict(_ findings: [Finding], mostlyUnread: Bool) -> CaptureReport.Verdict {
        // MTU findings are those with evidence confirmed or likely.
        let mtuKinds: Set<FindingKind> = [
            .stalledSegment, .receiveGap, .ptbSeen, .overlayOversize, .tlsStall, .mss,
        ]
        if packets == 0 || (!unreadable.isEmpty && !findings.contains { $0.severity != .info }) {
            // Nothing (or not everything) was read: that is no evidence of health.
            return .incomplete
        } else if findings.contains(where: { $0.severity == .critical && $0.proof?.evidence != .cannotTell }) {
            return .blackhole
        } else if findings.contains(where: {
            $0.severity == .warning && mtuKinds.contains($0.kind)
                && ($0.proof?.evidence != .cannotTell || $0.kind == .ptbSeen)
        })
            || findings.contains(where: {
                $0.severity == .warning && [.overlayFragmented, .fragmented].contains($0.kind)
            })
        {
            return .degraded
        } else if mostlyUnread || findings.contains(where: { $0.severity != .info }) {
            // Most of the traffic was not read, or the only trouble seen is not about sizes (a silent peer, an
            // undecided PTB): no MTU verdict either way.
            return .incomplete
        } else {
            return .ok
        }
    }

    static func conclusion(_ verdict: CaptureReport.Verdict, _ findings: [Finding]) -> String {
        if let stall = findings.first(where: { $0.kind == .stalledSegment }), let sizes = stall.proof?.sizes,
            let lost = sizes.smallestLost
        {
            let bound =
                sizes.largestDelivered.map { "path MTU between \($0) and \(lost - 1) bytes" }
                ?? "path MTU below \(lost) bytes"
            let ptb = findings.first { $0.kind == .ptbSeen && $0.proof?.ptb?.senderAdapted == false }
            return
                "black hole: \(lost)-byte packets never arrive (\(bound)) and \(ptb == nil ? "no ICMP \"too big\" reached the sender" : "the ICMP \"too big\" that arrived did not take effect")"
        }
        if let gap = findings.first(where: { $0.kind == .receiveGap }) {
            return "black hole seen from the receiving side: \(gap.summary)"
        }
        if let ptb = findings.first(where: { $0.kind == .ptbSeen && $0.proof?.ptb?.senderAdapted == false }) {
            return
                "ICMP \"too big\" (MTU \(ptb.proof?.ptb?.mtu ?? 0)) reached the capture point but the sender kept sending larger packets"
        }
        if let alert = findings.first(where: { $0.kind == .tlsAlert }) {
            return "not an MTU problem on this evidence: \(alert.summary)"
        }
        switch verdict {
        case .degraded:
            if let ptb = findings.first(where: { $0.kind == .ptbSeen && $0.proof?.ptb?.senderAdapted == true }) {
                return
                    "path MTU discovery worked: an ICMP \"too big\" (MTU \(ptb.proof?.ptb?.mtu ?? 0)) arrived and the sender adapted; worth fixing the MTU mismatch anyway"
            }
            if let ptb = findings.first(where: { $0.kind == .ptbSeen }) {
                return
                    "an ICMP \"too big\" (MTU \(ptb.proof?.ptb?.mtu ?? 0)) reached the capture point; cannot tell whether the sender adapted — no later packet of that flow is in the capture: capture longer, or at the sender"
            }
            return findings.first { $0.severity == .warning }?.summary ?? "degraded"
        case .ok, .blackhole, .incomplete:
            // incomplete: the caller says what could not be read; blackhole comes with a finding handled above.
            return "no MTU trouble in these captures: no stalled segments, no ICMP \"too big\""
        }
    }
}

/// One capture file's analysis.
struct FileAnalysis {
    let name: String
    let underlayMTU: Int?

    /// A segment sent and not yet known delivered.
    struct Sent {
        var sequence: UInt32
        var end: UInt32
        var size: Int32
        var frame: Int32
    }

    /// A segment sent more than once.
    struct Retransmitted {
        var sequence: UInt32
        var end: UInt32
        var size: Int
        var payload: Int
        var sends: Int
        var frames: [Int]
        var acked = false
    }

    struct TLSProgress {
        var clientHello: (frame: Int, time: Int64)?
        var serverHello: Int?
        var certificate: Int?
        var certificateBytes: Int?
        /// The client's first record after the server's hello (ChangeCipherSpec, Finished or data): the flight arrived.
        var clientDone: (frame: Int, time: Int64)?
        var alert: (frame: Int, level: Int, description: Int, fromServer: Bool)?
    }

    struct Direction {
        var key: FlowKey
        var peer: Int = -1
        var connection: Int
        var packets = 0
        var largest = 0
        var largestPayload = 0
        var firstFrame: Int
        var mss: Int?
        var synFrame: Int?
        /// The initial sequence number (from the SYN), to print sequence numbers relative as Wireshark does.
        var initialSequence: UInt32?
        var sendMax: UInt32?
        var ring: [Sent] = []
        var ringHead = 0
        var retransmitted: [Retransmitted] = []
        var retransmissions = 0
        var largestDelivered = 0
        /// Acknowledgements this side sent about the peer's data.
        var highestAck: UInt32?
        var duplicateAcks = 0
        var duplicateAckFrames: [Int] = []
        var sackBeyondAck: UInt32?
        /// When the first duplicate ACK with SACK beyond the hole was sent (reset when the hole fills).
        var holeSince: Int64?
        var closed = false
        var closeFrame: Int?
        /// When this side closed, it had acknowledged everything the peer had sent.
        var closedCaughtUp = false
        var overMSS = 0
        var overMSSFrame: Int?
        var overMSSFrames: [Int] = []
        /// The last frame this side sent (to tell a live peer from a silent one).
        var lastFrame = 0
        /// PTBs (indices into `ptbs`) whose effect on this sender is being watched.
        var watching: [Int] = []
        var records = 0
    }

    struct Connection {
        var client: Int
        var server: Int
        var tls = TLSProgress()
        var lastTime: Int64 = 0
        var finished = false
    }

    struct PTBSeen {
        var frame: Int
        var mtu: Int
        var source: String
        var quoted: FlowKey?
        /// The largest packet of the quoted connection that fits: the MTU, less the tunnel's overhead when the PTB
        /// was about a tunnel packet.
        var limit: Int
        var later = 0
        var laterLargest = 0
        var laterFrames: [Int] = []
        /// TCP: the quoted segment's sequence number, and the frame of the peer's first acknowledgment (cumulative
        /// or selective) that covers it: the data the PTB was about got through.
        var quotedSequence: UInt32? = nil
        var deliveredFrame: Int? = nil
        /// TCP: the peer acknowledged something after the PTB (so a missing delivery is seen, not just absent).
        var peerAckedAfter = false
        /// The sender records segments larger than its peer's MSS: segmentation offload, sizes are not wire sizes.
        var senderOffloads = false
        /// TCP: how often the quoted sequence was sent again after the PTB.
        var quotedResent = 0
    }

    static let ringLimit = 1024
    static let retransmittedLimit = 64

    var index: [FlowKey: Int] = [:]
    var directions: [Direction] = []
    var connections: [Connection] = []
    var freeDirections: [Int] = []
    var ptbs: [PTBSeen] = []
    /// PTBs about flows that are not TCP connections being followed (UDP), by the quoted flow.
    var watchedDatagrams: [FlowKey: [Int]] = [:]
    var oversize: [Int] = []
    /// Oversize tunnel packets carrying TCP, by inner connection direction (to set an offloading sender's aside).
    var oversizeByFlow: [FlowKey: [Int]] = [:]
    /// Inner directions seen sending segments larger than their peer's MSS: segmentation offload at the capture point.
    var offloadingFlows: Set<FlowKey> = []
    var fragmentFrames: [Int] = []
    /// Every fragment seen outside tunnels: IPv4 (first ones, later ones) and IPv6 (always the sender's).
    var fragments = (v4First: 0, v4Later: 0, v6: 0)
    var plainFragmentFrames: [Int] = []
    /// Outer address pairs of fragmented tunnel packets, to recognise their later fragments.
    var tunnelFragmentPairs: Set<FlowKey> = []
    /// Connections closed by a reset, by both directions' keys: packets after it are counted, not a new connection.
    var resetFlows: [FlowKey: (frame: Int, by: String, after: Int, firstAfter: Int?)] = [:]
    var dissected = 0
    var skipped: [String: Int] = [:]
    var through: [String: Int] = [:]
    var tunnelFrames: [Int] = []
    var tunnels = TunnelSummary()
    var packets = 0
    var bytes = 0
    var lastTime: Int64 = 0
    var untracked = 0
    var findings: [Finding] = []
    var summaries: [ConnectionSummary] = []
    var syns: [CaptureAnalyzer.SYNIdentity: (frame: Int, mss: Int)] = [:]

    init(name: String, underlayMTU: Int?) {
        self.name = name
        self.underlayMTU = underlayMTU
    }

    /// One packet: counted (read to IP or why not), its tunnel or fragment noted, then its transport followed.
    mutating func add(_ dissection: Dissection, packet: CapturedPacket, bytes: [UInt8]) {
        packets += 1
        self.bytes += packet.originalLength
        lastTime = packet.timestamp
        count(dissection)
        if dissection.mplsLabels > 0 { through["MPLS", default: 0] += 1 }
        if dissection.ip?.offloadLength == true { through["BIG TCP / jumbogram (offload)", default: 0] += 1 }
        if let tunnel = dissection.outerTunnel {
            tunnelPacket(tunnel, of: dissection, frame: packet.frame)
        } else if let ip = dissection.ip, ip.isFragment {
            fragment(ip, frame: packet.frame)
        }
        guard let ip = dissection.ip, let transport = dissection.transport else { return }
        switch transport {
        case .icmp(let icmp) where icmp.isTooBig:
            ptb(icmp, from: ip, frame: packet.frame)
        case .tcp(let tcp):
            self.tcp(tcp, ip: ip, packet: packet, bytes: bytes)
        case .udp(let udp):
            // A datagram flow a PTB quoted: follow whether its later datagrams fit.
            follow(
                FlowKey(ip, sourcePort: udp.sourcePort, destinationPort: udp.destinationPort), ip: ip,
                frame: packet.frame)
        case .icmp(let icmp) where icmp.isEchoRequest:
            // Echo requests too (ping -M do, probes): keyed by their identifier.
            if let identifier = icmp.echoIdentifier {
                follow(FlowKey(ip, sourcePort: identifier, destinationPort: 0), ip: ip, frame: packet.frame)
            }
        default:
            break
        }
    }

    /// Whether the packet was read down to IP, and if not why (bounded: 32 reasons, then "other").
    mutating func count(_ dissection: Dissection) {
        if let undecoded = Self.undecoded(dissection) {
            // Inside something this tool does not open (a wireless controller's tunnel, encryption): the IP header
            // read is only the carrier's.
            if skipped[undecoded] != nil || skipped.count < 32 {
                skipped[undecoded, default: 0] += 1
            } else {
                skipped["other", default: 0] += 1
            }
        } else if dissection.ip != nil {
            dissected += 1
        } else {
            let reason = dissection.problem ?? "no IP header"
            if skipped[reason] != nil || skipped.count < 32 {
                skipped[reason, default: 0] += 1
            } else {
                skipped["other", default: 0] += 1
            }
        }
    }

    /// A tunnel packet: its encapsulation, largest outer and inner sizes, DF and fragments, and whether it exceeds
    /// the underlay (remembered per inner flow: an offloading sender's are super-packets, cut on the wire).
    mutating func tunnelPacket(_ tunnel: TunnelInfo, of dissection: Dissection, frame: Int) {
        let name =
            ["vxlan": "VXLAN", "geneve": "Geneve", "vxlan-gpe": "VXLAN-GPE", "gre": "GRE", "ip-in-ip": "IP-in-IP"][
                tunnel.kind.rawValue] ?? tunnel.kind.rawValue
        through[name, default: 0] += 1
        if tunnelFrames.count < 4 { tunnelFrames.append(frame) }
        tunnels.packets += 1
        let outer = tunnel.outer.totalLength
        if outer > tunnels.largestOuter {
            tunnels.largestOuter = outer
            tunnels.largestInner = dissection.ip?.totalLength ?? 0
        }
        if tunnel.outer.dontFragment, tunnel.outer.version == 4 { tunnels.outerDontFragment += 1 }
        if tunnel.outer.isFragment {
            tunnels.outerFragments += 1
            if fragmentFrames.count < 50 { fragmentFrames.append(frame) }
            if tunnelFragmentPairs.count < 256 {
                tunnelFragmentPairs.insert(FlowKey(tunnel.outer, sourcePort: 0, destinationPort: 0))
            }
        }
        if let underlayMTU, outer > underlayMTU {
            // Remember whose it was: an offloading sender's tunnel packets are super-packets, cut on the wire.
            if let inner = dissection.ip, case .tcp(let tcp)? = dissection.transport {
                let key = FlowKey(inner, sourcePort: tcp.sourcePort, destinationPort: tcp.destinationPort)
                if oversizeByFlow.count < 64 || oversizeByFlow[key] != nil {
                    oversizeByFlow[key, default: []].append(frame)
                } else if oversize.count < 50 {
                    oversize.append(frame)
                }
            } else if oversize.count < 50 {
                oversize.append(frame)
            }
        }
    }

    /// A fragment without a tunnel header: a later fragment of a tunnel packet (no UDP header to recognise it by,
    /// but between the same endpoints), or a plain IPv4 or IPv6 fragment, counted exactly.
    mutating func fragment(_ ip: IPHeaderInfo, frame: Int) {
        if ip.fragmentOffset > 0, ip.protocolNumber == 17,
            tunnelFragmentPairs.contains(FlowKey(ip, sourcePort: 0, destinationPort: 0))
        {
            tunnels.outerFragments += 1
            if fragmentFrames.count < 50 { fragmentFrames.append(frame) }
            return
        }
        // IPv6 is fragmented only by its sender.
        if ip.version == 6 {
            fragments.v6 += 1
        } else if ip.fragmentOffset == 0 {
            fragments.v4First += 1
        } else {
            fragments.v4Later += 1
        }
        if plainFragmentFrames.count < 50 { plainFragmentFrames.append(frame) }
    }

    /// Encapsulations carried over IP that are not opened: their inner traffic is not read.
    static func undecoded(_ dissection: Dissection) -> String? {
        guard let ip = dissection.ip, let transport = dissection.transport else { return nil }
        switch transport {
        case .udp(let udp):
            let ports = [udp.sourcePort, udp.destinationPort]
            if ports.contains(where: { $0 == 5246 || $0 == 5247 }) { return "CAPWAP (not decoded)" }
            if ports.contains(2152) { return "GTP-U (not decoded)" }
            if ports.contains(1701) { return "L2TP (not decoded)" }
            if ports.contains(4500) { return "IPsec NAT-T (encrypted)" }
            if ports.contains(51820) { return "WireGuard (encrypted)" }
            return nil
        case .other(let number):
            switch number {
            case 50: return "IPsec ESP (encrypted)"
            case 97: return "EtherIP (not decoded)"
            case 115: return "L2TP (not decoded)"
            default: return ip.fragmentOffset > 0 ? nil : nil
            }
        default:
            return nil
        }
    }

    /// A later packet of a datagram or echo flow that PTBs quoted.
    mutating func follow(_ key: FlowKey, ip: IPHeaderInfo, frame: Int) {
        guard !watchedDatagrams.isEmpty, let watched = watchedDatagrams[key] else { return }
        for index in watched where ptbs[index].frame < frame {
            ptbs[index].later += 1
            ptbs[index].laterLargest = Swift.max(ptbs[index].laterLargest, ip.totalLength)
            if ptbs[index].laterFrames.count < 4, ip.totalLength > ptbs[index].limit {
                ptbs[index].laterFrames.append(frame)
            }
        }
    }

    mutating func ptb(_ icmp: ICMPInfo, from ip: IPHeaderInfo, frame: Int) {
        guard ptbs.count < 1000 else { return }
        var quoted: FlowKey?
        var overhead = 0
        if let inner = icmp.quotedInner, let source = icmp.quotedInnerSourcePort,
            let destination = icmp.quotedInnerDestinationPort
        {
            quoted = FlowKey(inner, sourcePort: source, destinationPort: destination)
            overhead = inner.offset - (icmp.quoted?.offset ?? inner.offset)
        } else if let inner = icmp.quoted, let source = icmp.quotedSourcePort,
            let destination = icmp.quotedDestinationPort
        {
            quoted = FlowKey(inner, sourcePort: source, destinationPort: destination)
        }
        ptbs.append(
            PTBSeen(
                frame: frame, mtu: icmp.mtu ?? 0, source: FlowKey.address(ip.version, ip.sourceHigh, ip.sourceLow),
                quoted: quoted,
                limit: (icmp.mtu ?? 0) - overhead, quotedSequence: icmp.quotedTCPSequence))
        if let quoted, let sender = index[quoted], directions[sender].watching.count < 8 {
            directions[sender].watching.append(ptbs.count - 1)
        } else if let quoted,
            [17, 1, 58].contains(icmp.quotedInner?.protocolNumber ?? icmp.quoted?.protocolNumber ?? 0),
            watchedDatagrams.count < 1000
        {
            watchedDatagrams[quoted, default: []].append(ptbs.count - 1)
        }
    }

    /// The direction's slot, created with its peer on first sight; nil when too many connections are open.
    mutating func slot(_ key: FlowKey, frame: Int, syn: Bool, ack: Bool) -> Int? {
        if let existing = index[key] { return existing }
        guard connections.count - freeDirections.count / 2 < CaptureAnalyzer.openConnectionLimit else {
            untracked += 1
            return nil
        }
        // Who is the client: the side that sent a bare SYN; otherwise the one seen first.
        let isClient = !(syn && ack)
        let connection = connections.count
        let this = allocate(Direction(key: key, connection: connection, firstFrame: frame))
        let peer = allocate(Direction(key: key.reversed, connection: connection, firstFrame: Int.max))
        directions[this].peer = peer
        directions[peer].peer = this
        connections.append(Connection(client: isClient ? this : peer, server: isClient ? peer : this))
        index[key] = this
        index[key.reversed] = peer
        return this
    }

    mutating func allocate(_ direction: Direction) -> Int {
        if let reused = freeDirections.popLast() {
            directions[reused] = direction
            return reused
        }
        directions.append(direction)
        return directions.count - 1
    }

    mutating func tcp(_ tcp: TCPHeaderInfo, ip: IPHeaderInfo, packet: CapturedPacket, bytes: [UInt8]) {
        let key = FlowKey(ip, sourcePort: tcp.sourcePort, destinationPort: tcp.destinationPort)
        if index[key] == nil, var reset = resetFlows[key], !tcp.syn {
            // After a reset: what a side still sends is not a new connection, and its retransmissions are no wall.
            reset.after += 1
            if reset.firstAfter == nil { reset.firstAfter = packet.frame }
            resetFlows[key] = reset
            return
        }
        if tcp.syn {
            resetFlows[key] = nil
            resetFlows[key.reversed] = nil
        }
        if tcp.rst, index[key] == nil { return }  // a reset for a connection already folded or never seen
        guard let d = slot(key, frame: packet.frame, syn: tcp.syn, ack: tcp.ack) else { return }
        let peer = directions[d].peer
        let connection = directions[d].connection
        connections[connection].lastTime = packet.timestamp
        directions[d].packets += 1
        directions[d].lastFrame = packet.frame
        directions[d].firstFrame = Swift.min(directions[d].firstFrame, packet.frame)
        if ip.totalLength > directions[d].largest { directions[d].largest = ip.totalLength }
        if tcp.syn {
            directions[d].synFrame = packet.frame
            if let mss = tcp.mss {
                if let earlier = directions[d].mss, earlier != mss, findings.count < 10_000 {
                    findings.append(
                        Finding.capture(
                            kind: .mss, severity: .info, file: name, direction: key.description,
                            frames: [packet.frame],
                            summary:
                                "two SYNs of \(key) announced different MSS values, \(earlier) then \(mss) (a retried connection, or something rewriting it): the later one is used here",
                            sizes: nil, ptb: nil, evidence: .confirmed))
                }
                directions[d].mss = mss
                if syns.count < 100_000 { syns[.init(flow: key, sequence: tcp.sequence)] = (packet.frame, mss) }
            }
            directions[d].sendMax = tcp.sequence &+ 1
            directions[d].initialSequence = tcp.sequence
        }
        if tcp.ack { acknowledge(tcp, by: d, peer: peer, frame: packet.frame, time: packet.timestamp) }
        if tcp.rst || tcp.fin, directions[d].closeFrame == nil {
            directions[d].closed = true
            directions[d].closeFrame = packet.frame
            if let sent = directions[peer].sendMax, let acked = directions[d].highestAck {
                directions[d].closedCaughtUp = Int32(bitPattern: acked &- sent) >= 0
            }
        }
        if tcp.payloadLength > 0 { data(tcp, ip: ip, direction: d, packet: packet, bytes: bytes) }
        // Fold the connection once both FINs were followed by an ACK (or on RST), so its last ACK does not open a
        // new one; a connection whose last ACK is missing is folded at the end.
        if tcp.rst || (directions[d].closed && directions[peer].closed && !tcp.fin) {
            if tcp.rst, resetFlows.count < 4096 {
                let by = key.source
                resetFlows[key] = (packet.frame, by, 0, nil)
                resetFlows[key.reversed] = (packet.frame, by, 0, nil)
            }
            close(connection)
        }
    }

    /// Direction `d` acknowledges the peer's data: the peer's segments up to `ack` (and inside the SACK block) were
    /// delivered, so their sizes pass the path.
    mutating func acknowledge(_ tcp: TCPHeaderInfo, by d: Int, peer: Int, frame: Int, time: Int64) {
        let ack = tcp.acknowledgment
        if let highest = directions[d].highestAck {
            let advance = Int32(bitPattern: ack &- highest)
            if advance > 0 {
                directions[d].highestAck = ack
                directions[d].duplicateAcks = 0
                directions[d].duplicateAckFrames.removeAll(keepingCapacity: true)
                directions[d].sackBeyondAck = nil
                directions[d].holeSince = nil
            } else if advance == 0, tcp.payloadLength == 0, !tcp.syn, !tcp.fin, let left = tcp.sackLeft,
                Int32(bitPattern: left &- ack) > 0
            {
                // A duplicate ACK with SACK beyond it: data after a hole arrived, the hole did not.
                directions[d].duplicateAcks += 1
                if directions[d].duplicateAckFrames.count < 8 { directions[d].duplicateAckFrames.append(frame) }
                directions[d].sackBeyondAck = left
                if directions[d].holeSince == nil { directions[d].holeSince = time }
            }
        } else {
            directions[d].highestAck = ack
        }
        let acked = directions[d].highestAck ?? ack
        // Whether the data a PTB quoted got through: delivery, not the sizes an offloading sender records, says
        // whether the PTB took effect.
        for watched in directions[peer].watching
        where ptbs[watched].frame < frame && ptbs[watched].deliveredFrame == nil {
            guard let sequence = ptbs[watched].quotedSequence else { continue }
            ptbs[watched].peerAckedAfter = true
            let cumulative = Int32(bitPattern: acked &- sequence) > 0
            let selective =
                tcp.sackLeft.map {
                    Int32(bitPattern: sequence &- $0) >= 0 && Int32(bitPattern: tcp.sackRight! &- sequence) > 0
                } ?? false
            if cumulative || selective { ptbs[watched].deliveredFrame = frame }
        }
        // Pop delivered segments off the peer's ring.
        var delivered = directions[peer].largestDelivered
        while !directions[peer].ring.isEmpty, directions[peer].ringHead < directions[peer].ring.count {
            let head = directions[peer].ring[directions[peer].ringHead]
            guard Int32(bitPattern: acked &- head.end) >= 0 else { break }
            delivered = Swift.max(delivered, Int(head.size))
            directions[peer].ringHead += 1
        }
        if directions[peer].ringHead == directions[peer].ring.count, directions[peer].ringHead > 0 {
            directions[peer].ring.removeAll(keepingCapacity: true)
            directions[peer].ringHead = 0
        }
        if let left = tcp.sackLeft, let right = tcp.sackRight {
            for i in directions[peer].ringHead..<directions[peer].ring.count {
                let sent = directions[peer].ring[i]
                if Int32(bitPattern: sent.sequence &- left) >= 0, Int32(bitPattern: right &- sent.end) >= 0 {
                    delivered = Swift.max(delivered, Int(sent.size))
                }
            }
        }
        directions[peer].largestDelivered = delivered
        for i in directions[peer].retransmitted.indices where !directions[peer].retransmitted[i].acked {
            let entry = directions[peer].retransmitted[i]
            let cumulative = Int32(bitPattern: acked &- entry.end) >= 0
            let selective =
                tcp.sackLeft.map {
                    Int32(bitPattern: entry.sequence &- $0) >= 0 && Int32(bitPattern: tcp.sackRight! &- entry.end) >= 0
                } ?? false
            if cumulative || selective { directions[peer].retransmitted[i].acked = true }
        }
    }

    mutating func data(_ tcp: TCPHeaderInfo, ip: IPHeaderInfo, direction d: Int, packet: CapturedPacket, bytes: [UInt8])
    {
        let end = tcp.sequence &+ UInt32(tcp.payloadLength)
        if tcp.payloadLength > directions[d].largestPayload { directions[d].largestPayload = tcp.payloadLength }
        let peer = directions[d].peer
        if let mss = directions[peer].mss, tcp.payloadLength > mss + 12 {
            directions[d].overMSS += 1
            if directions[d].overMSSFrame == nil { directions[d].overMSSFrame = packet.frame }
            if directions[d].overMSSFrames.count < 8 { directions[d].overMSSFrames.append(packet.frame) }
        }
        if directions[d].overMSS > 0, offloadingFlows.count < 1024 { offloadingFlows.insert(directions[d].key) }
        for watched in directions[d].watching {
            if directions[d].overMSS > 0 { ptbs[watched].senderOffloads = true }
            if ptbs[watched].quotedSequence == tcp.sequence { ptbs[watched].quotedResent += 1 }
            ptbs[watched].later += 1
            ptbs[watched].laterLargest = Swift.max(ptbs[watched].laterLargest, ip.totalLength)
            if ptbs[watched].laterFrames.count < 4, ip.totalLength > ptbs[watched].limit {
                ptbs[watched].laterFrames.append(packet.frame)
            }
        }
        let isRetransmission =
            directions[d].sendMax.map {
                Int32(bitPattern: $0 &- end) >= 0
                    || (Int32(bitPattern: $0 &- tcp.sequence) > 0 && tcp.payloadLength > 1)
            } ?? false
        if isRetransmission, !(tcp.payloadLength <= 1 && directions[d].sendMax == end) {
            directions[d].retransmissions += 1
            if let i = directions[d].retransmitted.firstIndex(where: { $0.sequence == tcp.sequence }) {
                directions[d].retransmitted[i].sends += 1
                if directions[d].retransmitted[i].frames.count < 16 {
                    directions[d].retransmitted[i].frames.append(packet.frame)
                }
                directions[d].retransmitted[i].size = Swift.max(directions[d].retransmitted[i].size, ip.totalLength)
                directions[d].retransmitted[i].payload = Swift.max(
                    directions[d].retransmitted[i].payload, tcp.payloadLength)
            } else if directions[d].retransmitted.count < Self.retransmittedLimit {
                let original = directions[d].ring[directions[d].ringHead...].first { $0.sequence == tcp.sequence }
                var frames = original.map { [Int($0.frame)] } ?? []
                frames.append(packet.frame)
                directions[d].retransmitted.append(
                    Retransmitted(
                        sequence: tcp.sequence, end: end, size: Swift.max(ip.totalLength, Int(original?.size ?? 0)),
                        payload: tcp.payloadLength,
                        sends: original == nil ? 1 : 2, frames: frames))
            }
        } else {
            directions[d].sendMax = end
            if directions[d].ring.count - directions[d].ringHead >= Self.ringLimit {
                // Too many in flight to follow: forget the oldest (its size stays unknown).
                directions[d].ringHead += 1
            }
            if directions[d].ringHead > Self.ringLimit {
                directions[d].ring.removeFirst(directions[d].ringHead)
                directions[d].ringHead = 0
            }
            directions[d].ring.append(
                Sent(
                    sequence: tcp.sequence, end: end, size: Int32(ip.totalLength),
                    frame: Int32(truncatingIfNeeded: packet.frame)))
        }
        if directions[d].records < 16 { tls(tcp, ip: ip, direction: d, packet: packet, bytes: bytes) }
    }

    /// TLS record headers at the start of the payload (and following records inside the captured bytes): enough to
    /// follow a handshake without reassembling the stream.
    mutating func tls(_ tcp: TCPHeaderInfo, ip: IPHeaderInfo, direction d: Int, packet: CapturedPacket, bytes: [UInt8])
    {
        var at = ip.offset + ip.headerLength + tcp.headerLength
        let limit = packet.range.upperBound
        let connection = directions[d].connection
        let fromClient = connections[connection].client == d
        var walked = 0
        while at + 5 <= limit, walked < 8 {
            let type = bytes[at]
            let major = bytes[at + 1]
            let minor = bytes[at + 2]
            guard (20...23).contains(type), major == 3, minor <= 4 else { return }
            let length = Int(bytes[at + 3]) << 8 | Int(bytes[at + 4])
            guard length > 0, length <= 18_432 else { return }
            walked += 1
            directions[d].records += 1
            var progress = connections[connection].tls
            switch type {
            case 22 where at + 9 <= limit:
                let handshake = bytes[at + 5]
                let messageLength = Int(bytes[at + 6]) << 16 | Int(bytes[at + 7]) << 8 | Int(bytes[at + 8])
                if handshake == 1, fromClient, progress.clientHello == nil {
                    progress.clientHello = (packet.frame, packet.timestamp)
                }
                if handshake == 2, !fromClient, progress.serverHello == nil { progress.serverHello = packet.frame }
                if handshake == 11, !fromClient, progress.certificate == nil {
                    progress.certificate = packet.frame
                    progress.certificateBytes = messageLength
                }
                // A ServerHello followed by Certificate in the same record: look inside.
                if handshake == 2, !fromClient, at + 9 + messageLength + 4 <= limit, bytes[at + 9 + messageLength] == 11
                {
                    let next = at + 9 + messageLength
                    progress.certificate = packet.frame
                    progress.certificateBytes =
                        Int(bytes[next + 1]) << 16 | Int(bytes[next + 2]) << 8 | Int(bytes[next + 3])
                }
                if fromClient, progress.serverHello != nil, handshake != 1, progress.clientDone == nil {
                    progress.clientDone = (packet.frame, packet.timestamp)
                }
            case 20, 23:
                if fromClient, progress.clientHello != nil, progress.clientDone == nil {
                    progress.clientDone = (packet.frame, packet.timestamp)
                }
            case 21 where at + 7 <= limit:
                if progress.alert == nil, progress.clientDone == nil {
                    progress.alert = (packet.frame, Int(bytes[at + 5]), Int(bytes[at + 6]), !fromClient)
                }
            default:
                break
            }
            connections[connection].tls = progress
            at += 5 + length
        }
    }

    /// Findings and the summary row for a connection; its slots are freed.
    mutating func close(_ connection: Int) {
        guard !connections[connection].finished else { return }
        connections[connection].finished = true
        let record = connections[connection]
        let client = directions[record.client]
        let server = directions[record.server]
        var stalled = false
        for (sender, receiver) in [(server, client), (client, server)] where sender.packets > 0 {
            switch retransmissionFindings(sender: sender, receiver: receiver) {
            case .explained: continue
            case .stalled: stalled = true
            case .none: break
            }
            if !stalled, receiveGapFinding(sender: sender, receiver: receiver, record: record) { stalled = true }
            offloadFinding(sender: sender, receiver: receiver)
        }
        mssFinding(client: client, server: server)
        let (tlsState, handshakeMs) = tlsFindings(record, client: client, server: server, stalled: stalled)
        summaries.append(
            ConnectionSummary(
                file: name, flow: client.key.description, packets: client.packets + server.packets,
                mssClient: client.mss, mssServer: server.mss,
                largestPacket: Swift.max(client.largest, server.largest),
                retransmissions: client.retransmissions + server.retransmissions,
                stalled: stalled, tlsHandshakeMs: handshakeMs, tls: tlsState))
        // Free the slots (kept in the index only while open).
        index[client.key] = nil
        index[server.key] = nil
        directions[record.client] = Direction(key: client.key, connection: -1, firstFrame: 0)
        directions[record.server] = Direction(key: server.key, connection: -1, firstFrame: 0)
        freeDirections.append(record.client)
        freeDirections.append(record.server)
    }

    /// What a segment retransmitted past the stall threshold, never acknowledged, says: a stall (a size the path
    /// does not carry), or something else that explains it (a silent peer, a size below every path's minimum, a
    /// super-packet of an offloading sender whose wire size got through before).
    enum RetransmissionOutcome { case none, stalled, explained }

    mutating func retransmissionFindings(sender: Direction, receiver: Direction) -> RetransmissionOutcome {
        if let worst = sender.retransmitted
            .filter({
                !$0.acked && $0.sends > CaptureAnalyzer.stallRetransmissions
                    && (sender.largestDelivered == 0 || $0.size > sender.largestDelivered)
            })
            .min(by: { $0.size < $1.size })
        {
            // Retransmissions are MTU evidence only when the peer is alive (it sent something after the first
            // try) and the size could be a path limit; a silent peer is not a wall, and no path is below the
            // protocol's minimum (IPv4 576 in practice, IPv6 1280).
            let peerAlive = receiver.lastFrame > (worst.frames.first ?? Int.max)
            let minimum = sender.key.version == 4 ? 576 : 1280
            let delivered = sender.largestDelivered > 0 ? sender.largestDelivered : nil
            guard peerAlive, worst.size > minimum else {
                findings.append(
                    Finding.capture(
                        kind: .peerSilent, severity: .warning, file: name, direction: sender.key.description,
                        frames: worst.frames,
                        summary: peerAlive
                            ? "the same \(worst.size)-byte segment was sent \(worst.sends) times and never acknowledged, but every IPv\(sender.key.version) path carries \(minimum) bytes: not a size limit — loss, a firewall, or a stuck receiver"
                            : "the same \(worst.size)-byte segment was sent \(worst.sends) times and \(receiver.key.source) sent nothing after frame \(worst.frames.first ?? 0)\(receiver.packets == 0 ? " (nor anything before: no handshake)" : ""): a peer that is gone or a path that drops everything — not a size limit on this evidence; a smaller packet getting through (or not) would tell",
                        sizes: nil, ptb: nil, evidence: .cannotTell))
                return .explained
            }
            // A sender with segmentation offload records super-packets: on the wire they were cut to the peer's
            // MSS, so sizes compare only after capping them at MSS + headers.
            if sender.overMSS > 0, let mss = receiver.mss {
                let wire = mss + sender.key.headerBytes
                if let delivered, min(delivered, wire) >= min(worst.size, wire) {
                    findings.append(
                        Finding.capture(
                            kind: .stalledSegment, severity: .warning, file: name,
                            direction: sender.key.description, frames: worst.frames,
                            summary:
                                "the same segment was sent \(worst.sends) times and never acknowledged, from \(sender.key.source) to \(sender.key.destination); this sender uses segmentation offload (it records \(worst.size)-byte super-packets), so on the wire every packet was at most \(wire) bytes — and packets that size were acknowledged before: not a size limit on this evidence. Capture at the receiver, or with offload off (ethtool -K IFACE tso off gso off)",
                            sizes: nil, ptb: nil, evidence: .cannotTell))
                    return .explained
                }
            }
            // On an offloading sender the lost wire packets were at most MSS + headers, whatever it recorded.
            let wire = sender.overMSS > 0 ? receiver.mss.map { $0 + sender.key.headerBytes } : nil
            let lost = wire.map { Swift.min(worst.size, $0) } ?? worst.size
            let bound =
                (delivered.map { ", while segments up to \($0) bytes were: path MTU ≥ \($0) and < \(lost)" }
                    ?? ", and no larger data got through while \(receiver.key.source) kept answering: path MTU < \(lost)")
                + (wire.map {
                    " (this sender uses segmentation offload: it records \(worst.size)-byte super-packets, the wire carried at most \($0)-byte packets)"
                } ?? "")
            let ptbHere = ptbs.contains { $0.quoted == sender.key }
            // Confirmed when smaller data got through and the peer's SACK or duplicate ACKs show the hole;
            // likely otherwise.
            let holeShown = receiver.sackBeyondAck != nil || receiver.duplicateAcks > 0
            findings.append(
                Finding.capture(
                    kind: .stalledSegment, severity: .critical, file: name, direction: sender.key.description,
                    frames: worst.frames,
                    summary:
                        "the same \(worst.size)-byte segment (\(worst.payload) bytes of data) was sent \(worst.sends) times and never acknowledged\(bound), from \(sender.key.source) to \(sender.key.destination)",
                    sizes: .init(largestDelivered: delivered, smallestLost: lost), ptb: nil,
                    evidence: delivered != nil && holeShown ? .confirmed : .likely))
            if !ptbHere {
                findings.append(
                    Finding.capture(
                        kind: .vantage, severity: .info, file: name, direction: sender.key.description,
                        frames: [worst.frames.first ?? 0],
                        summary:
                            "this capture holds the sender's retransmissions and no ICMP \"too big\" for them: none reached this point. Capture on \(sender.key.destination) to confirm the segment never arrives, and on the hop before the smaller link to see whether it sends ICMP and where it goes",
                        sizes: nil, ptb: nil))
            }
            return .stalled
        }
        return .none
    }

    /// Seen from the receiving side: data after a hole arrived (SACK), the hole never filled in a second.
    mutating func receiveGapFinding(sender: Direction, receiver: Direction, record: Connection) -> Bool {
        if let since = receiver.holeSince, record.lastTime - since >= 1_000_000_000,
            let beyond = receiver.sackBeyondAck, let ack = receiver.highestAck
        {
            // Seen from the receiving side: data after a hole arrived, the hole never filled.
            let gap = Int(beyond &- ack)
            let base = sender.initialSequence ?? 0
            let relative = sender.initialSequence == nil ? "" : " (relative)"
            let seconds = (record.lastTime - since) / 100_000_000
            let oneSegment = receiver.mss.map { gap <= $0 } ?? false
            findings.append(
                Finding.capture(
                    kind: .receiveGap, severity: .critical, file: name, direction: sender.key.description,
                    frames: receiver.duplicateAckFrames,
                    summary:
                        "\(receiver.key.source) acknowledged up to \(ack &- base)\(relative) and, with SACK, data from \(beyond &- base) on: the \(gap) bytes between never arrived here in \(seconds / 10).\(seconds % 10) s\(oneSegment ? " — one segment of at least \(gap + sender.key.headerBytes) bytes, while packets up to \(sender.largest) bytes did arrive" : ""). Seen from the receiving side, this is a size-dependent drop upstream",
                    sizes: .init(
                        largestDelivered: sender.largest > 0 ? sender.largest : nil,
                        smallestLost: oneSegment ? gap + sender.key.headerBytes : nil), ptb: nil))
            return true
        }
        return false
    }

    /// Segments larger than the peer's MSS: the capture was taken where offload merges or has not yet cut them.
    mutating func offloadFinding(sender: Direction, receiver: Direction) {
        if sender.overMSS > 0, let frame = sender.overMSSFrame, let mss = receiver.mss {
            findings.append(
                Finding.capture(
                    kind: .offload, severity: .info, file: name, direction: sender.key.description,
                    frames: sender.overMSSFrames.isEmpty ? [frame] : sender.overMSSFrames,
                    summary:
                        "\(sender.overMSS) segments from \(sender.key.source) carry more than the \(mss)-byte MSS \(receiver.key.source) announced: the capture was taken on a host with segmentation offload (TSO/GSO, or GRO on receive), so sizes here are not wire sizes; capture on a router or turn offload off (ethtool -K IFACE tso off gso off gro off) to see them",
                    sizes: nil, ptb: nil))
        }
    }

    /// Both MSS values allow the size that stalled: no clamp protects the path.
    mutating func mssFinding(client: Direction, server: Direction) {
        if let clientMSS = client.mss, let serverMSS = server.mss {
            let stall = findings.last { finding in
                guard finding.kind == .stalledSegment, let proof = finding.proof, proof.file == name else {
                    return false
                }
                return proof.direction == server.key.description || proof.direction == client.key.description
            }
            if let lost = stall?.proof?.sizes?.smallestLost,
                Swift.min(clientMSS, serverMSS) + client.key.headerBytes >= lost
            {
                let bound =
                    stall?.proof?.sizes?.largestDelivered.map { "between \($0) and \(lost - 1)" } ?? "below \(lost)"
                findings.append(
                    Finding.capture(
                        kind: .mss, severity: .warning, file: name, direction: client.key.description,
                        frames: [client.synFrame, server.synFrame].compactMap { $0 },
                        summary:
                            "MSS \(clientMSS) from \(client.key.source), \(serverMSS) from \(server.key.source): both allow \(lost)-byte packets, which never arrive; no MSS clamp protects this path. Clamp to the path MTU − \(client.key.headerBytes) (this capture puts the path MTU \(bound); mtu-doctor probe measures it to the byte)",
                        sizes: nil, ptb: nil, evidence: .likely))
            }
        }
    }

    /// The TLS handshake's fate: completed (and how long it took), ended by an alert, abandoned by the client after
    /// the flight arrived, or stalled.
    mutating func tlsFindings(_ record: Connection, client: Direction, server: Direction, stalled: Bool) -> (
        ConnectionSummary.TLSProgress?, Double?
    ) {
        let tls = record.tls
        var tlsState: ConnectionSummary.TLSProgress?
        var handshakeMs: Double?
        if let hello = tls.clientHello {
            if let done = tls.clientDone {
                tlsState = .completed
                handshakeMs = Double((done.time - hello.time) / 1000) / 1000
            } else if let alert = tls.alert, alert.frame < (client.closeFrame ?? Int.max) || !alert.fromServer {
                tlsState = .alert
                findings.append(
                    Finding.capture(
                        kind: .tlsAlert, severity: .info, file: name,
                        direction: (alert.fromServer ? server : client).key.description, frames: [alert.frame],
                        summary:
                            "the \(alert.fromServer ? "server" : "client") ended the TLS handshake with alert \(alert.description) (\(Self.alertName(alert.description)), level \(alert.level)): the handshake failed on its own terms, not for lack of bytes",
                        sizes: nil, ptb: nil))
            } else if client.closedCaughtUp {
                // Everything the server sent was acknowledged, then the client left: the flight arrived.
                tlsState = .abandoned
            } else if server.packets > 0 || client.packets > 0 {
                tlsState = .stalled
                let tenths = (record.lastTime - hello.time) / 100_000_000
                var text = "ClientHello at frame \(hello.frame)"
                if let serverHello = tls.serverHello { text += ", ServerHello at frame \(serverHello)" }
                if let bytes = tls.certificateBytes { text += ", a \(bytes)-byte Certificate message" }
                text +=
                    "; the client never sent its next record: the server's flight did not complete (\(tenths / 10).\(tenths % 10) s to the connection's last packet)"
                if abs(tenths - 100) <= 5 {
                    text += ". 10 s is Go's default TLS handshake timeout (client-go, kubectl, most operators)"
                }
                let stallProof = findings.last { finding in
                    finding.kind == .stalledSegment && finding.proof?.file == name
                        && finding.proof?.direction == server.key.description
                }?.proof
                let stallFrames = stallProof?.frames.prefix(3) ?? []
                findings.append(
                    Finding.capture(
                        kind: .tlsStall, severity: stalled ? .critical : .warning, file: name,
                        direction: server.key.description,
                        frames: Self.unique([hello.frame] + (tls.serverHello.map { [$0] } ?? []) + stallFrames),
                        summary: stalled
                            ? text
                            : text + ". Nothing here shows a size limit: capture at the server, or probe the path",
                        sizes: nil, ptb: nil, evidence: stalled ? .likely : .cannotTell))
            }
        }
        return (tlsState, handshakeMs)
    }

    static func unique(_ frames: [Int]) -> [Int] {
        var seen: Set<Int> = []
        return frames.filter { seen.insert($0).inserted }
    }

    static func alertName(_ code: Int) -> String {
        switch code {
        case 0: "close_notify"
        case 10: "unexpected_message"
        case 20: "bad_record_mac"
        case 40: "handshake_failure"
        case 42: "bad_certificate"
        case 43: "unsupported_certificate"
        case 44: "certificate_revoked"
        case 45: "certificate_expired"
        case 46: "certificate_unknown"
        case 47: "illegal_parameter"
        case 48: "unknown_ca"
        case 50: "decode_error"
        case 51: "decrypt_error"
        case 70: "protocol_version"
        case 80: "internal_error"
        case 112: "unrecognized_name"
        case 116: "certificate_required"
        case 120: "no_application_protocol"
        default: "alert \(code)"
        }
    }

    /// At the end of the file: every open connection closed, then the findings that need the whole file — each PTB's
    /// effect, resets, oversize tunnel packets and fragments.
    mutating func finish() {
        for connection in connections.indices where !connections[connection].finished { close(connection) }
        for ptb in ptbs { findings.append(ptbFinding(ptb)) }
        resetFindings()
        tunnelFindings()
        fragmentFinding()
    }

    /// Whether a PTB took effect, judged by delivery first: the peer acknowledging the data it quoted (a sender with
    /// segmentation offload records 64 KB super-packets before and after, which the kernel cuts to the new size on
    /// the wire). Sizes decide only for senders that record wire sizes.
    func ptbFinding(_ ptb: PTBSeen) -> Finding {
        let offloading = ptb.senderOffloads
        var adapted: Bool?
        var evidence = PacketProof.Evidence.cannotTell
        var outcome =
            "cannot tell whether the sender adapted — no later packet of that flow is in this capture: capture longer, or at the sender"
        if let delivered = ptb.deliveredFrame {
            adapted = true
            evidence = .confirmed
            outcome =
                "the PTB took effect: the peer acknowledged the data it quoted (frame \(delivered))"
                + (ptb.laterLargest > ptb.limit && offloading
                    ? "; the larger sizes recorded afterwards are segmentation-offload super-packets, cut to size on the wire"
                    : "")
        } else if ptb.later > 0, ptb.laterLargest <= ptb.limit {
            adapted = true
            evidence = .confirmed
            outcome = "the sender adapted: its \(ptb.later) later packets fit"
        } else if ptb.later > 0, offloading {
            // Super-packets say nothing about wire sizes; without an acknowledgment either way, nothing is proven.
            // Sent again and again, never acknowledged: a PTB that took effect would have had the kernel resend it
            // in pieces that fit, and the peer (alive: it answered before) acknowledge them.
            let stuck = ptb.peerAckedAfter || ptb.quotedResent >= 2
            adapted = stuck ? false : nil
            evidence = stuck ? .likely : .cannotTell
            outcome =
                stuck
                ? "the peer never acknowledged the data the PTB quoted\(ptb.quotedResent >= 2 ? ", which was sent \(ptb.quotedResent) more times" : ", though it acknowledged other data"): the PTB likely did not take effect (sizes here are offload super-packets, not wire sizes)"
                : "cannot tell whether the PTB took effect: this sender uses segmentation offload (its recorded packets are not wire sizes) and no acknowledgment of the quoted data is in the capture — capture at the receiver, or with offload off"
        } else if ptb.later > 0 {
            adapted = false
            evidence = ptb.peerAckedAfter || ptb.quotedSequence == nil ? .confirmed : .likely
            outcome =
                "the sender kept sending packets up to \(ptb.laterLargest) bytes afterwards: the PTB did not take effect (filtered before the socket, or the sender ignores it)"
        }
        return Finding.capture(
            kind: .ptbSeen, severity: adapted == false ? .critical : .warning, file: name,
            direction: ptb.quoted?.description,
            frames: [ptb.frame] + ptb.laterFrames,
            summary:
                "ICMP \"too big\" (MTU \(ptb.mtu)) from \(ptb.source)\(ptb.quoted.map { " about \($0)" } ?? "")\(ptb.limit < ptb.mtu ? " inside a tunnel (its packets must fit \(ptb.limit) bytes)" : ""): \(outcome)",
            sizes: nil, ptb: .init(mtu: ptb.mtu, source: ptb.source, senderAdapted: adapted),
            evidence: evidence)
    }

    /// Connections a peer reset that still carried packets afterwards: named, and not an MTU symptom.
    mutating func resetFindings() {
        var reported: Set<Int> = []
        for (key, reset) in resetFlows.sorted(by: { $0.value.frame < $1.value.frame })
        where reset.after > 0 && reported.insert(reset.frame).inserted {
            findings.append(
                Finding.capture(
                    kind: .peerReset, severity: .info, file: name, direction: key.description,
                    frames: [reset.frame] + (reset.firstAfter.map { [$0] } ?? []),
                    summary:
                        "\(reset.by) reset the connection at frame \(reset.frame); \(reset.after) packets of it followed (retransmissions to a closed connection): not an MTU symptom",
                    sizes: nil, ptb: nil))
        }
    }

    /// Tunnel packets above the underlay MTU (offload super-packets set apart) and fragmented tunnel packets.
    mutating func tunnelFindings() {
        // Tunnel packets of an offloading sender are super-packets the NIC or the stack cuts on the wire: not
        // evidence of oversize. The others join the finding.
        var superPackets = 0
        for (key, frames) in oversizeByFlow {
            if offloadingFlows.contains(key) {
                superPackets += frames.count
            } else {
                oversize += frames.prefix(Swift.max(0, 50 - oversize.count))
            }
        }
        oversize.sort()
        if superPackets > 0 {
            findings.append(
                Finding.capture(
                    kind: .offload, severity: .info, file: name, direction: nil, frames: [],
                    summary:
                        "\(superPackets) tunnel packets above the underlay MTU carry segments larger than their connection's MSS: segmentation-offload super-packets, cut to size on the wire — not counted as oversize",
                    sizes: nil, ptb: nil))
        }
        if let underlayMTU, !oversize.isEmpty {
            let clear = tunnels.packets - tunnels.outerDontFragment
            findings.append(
                Finding.capture(
                    kind: .overlayOversize, severity: .warning, file: name, direction: nil, frames: oversize,
                    summary:
                        "tunnel packets up to \(tunnels.largestOuter) bytes (carrying \(tunnels.largestInner)-byte inner packets) exceed the \(underlayMTU)-byte underlay MTU; of \(tunnels.packets) tunnel packets, \(tunnels.outerDontFragment) have DF set on an IPv4 outer header (dropped at the smaller hop, or answered with a PTB) and \(clear) do not (IPv4 with DF clear is fragmented by the underlay; an IPv6 outer header is never fragmented on the path, so those are dropped too)",
                    sizes: .init(largestDelivered: nil, smallestLost: tunnels.largestOuter), ptb: nil))
        }
        if tunnels.outerFragments > 0 || !fragmentFrames.isEmpty {
            findings.append(
                Finding.capture(
                    kind: .overlayFragmented, severity: .warning, file: name, direction: nil, frames: fragmentFrames,
                    summary:
                        "\(tunnels.outerFragments) fragmented tunnel packets: the outer IPv4 header has DF clear and the encapsulated packet is larger than the underlay, so the tunnel endpoint or a router fragments it — it works, at a cost in throughput and reassembly; raise the underlay MTU or lower the overlay's",
                    sizes: nil, ptb: nil))
        }
    }

    /// Plain IPv4 and IPv6 fragments, and who can have made them.
    mutating func fragmentFinding() {
        let v4 = fragments.v4First + fragments.v4Later
        if v4 + fragments.v6 > 0 {
            var text: [String] = []
            if fragments.v6 > 0 {
                text.append(
                    "\(fragments.v6) IPv6 fragments: only the sending host fragments IPv6 (routers never do), so its datagrams exceeded the MTU it knows toward the destination — an application sending large datagrams, or a path MTU it learned; not a router on the path"
                )
            }
            if v4 > 0 {
                text.append(
                    "\(v4) IPv4 fragments (\(fragments.v4First) first, \(fragments.v4Later) later): DF was clear, so either the sender fragmented its own datagrams or a router on the path did; a capture at the sender tells (fragments leaving it were made there)"
                )
            }
            findings.append(
                Finding.capture(
                    kind: .fragmented, severity: .warning, file: name, direction: nil, frames: plainFragmentFrames,
                    summary: text.joined(separator: "; "), sizes: nil, ptb: nil,
                    evidence: fragments.v6 > 0 && v4 == 0 ? .confirmed : .likely))
        }
    }
}
