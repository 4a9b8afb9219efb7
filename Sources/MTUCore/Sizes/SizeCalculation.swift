/// What `calc` is asked: a link, an encapsulation stack and, optionally, one packet to size.
public struct SizeQuery: Sendable, Hashable {
    /// What the caller wants sized, besides the MTU figures that are always computed.
    public enum Packet: Sendable, Hashable {
        /// An inner IP packet of this many bytes.
        case innerPacket(Int)
        /// A TCP segment carrying this many payload bytes.
        case tcpPayload(Int)
        /// An ICMP echo with this `ping -s` payload.
        case pingPayload(Int)
    }

    /// The link MTUs along the underlay; the smallest one limits.
    public var linkMTUs: [LabeledMTU]
    public var stack: EncapsulationStack
    public var underlay: IPVersion
    public var inner: IPVersion
    public var packet: Packet?
    /// TCP option bytes in every segment (12 with timestamps).
    public var tcpOptions: Int

    public init(
        linkMTUs: [LabeledMTU], stack: EncapsulationStack, underlay: IPVersion = .ipv4, inner: IPVersion = .ipv4,
        packet: Packet? = nil, tcpOptions: Int = 0
    ) {
        self.linkMTUs = linkMTUs
        self.stack = stack
        self.underlay = underlay
        self.inner = inner
        self.packet = packet
        self.tcpOptions = tcpOptions
    }
}

/// Why a size query has no answer.
public struct SizeQueryError: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String
}

extension SizeCalculation {
    /// Computes every figure for `query`.
    ///
    /// - Throws: ``SizeQueryError`` when the stack leaves no room for an inner packet or a size is negative.
    /// Long: one computation per figure of the answer, each next to the note that explains it.
    public init(_ query: SizeQuery) throws(SizeQueryError) {
        guard let limit = query.linkMTUs.min(by: { $0.mtu < $1.mtu }) else {
            throw SizeQueryError(description: "no MTU given")
        }
        let linkMTU = limit.mtu
        let stack = query.stack
        if query.underlay == .ipv6, linkMTU < IPVersion.ipv6.minimumMTU {
            throw SizeQueryError(description: "an IPv6 underlay needs an MTU of at least 1280, got \(linkMTU)")
        }
        guard query.tcpOptions >= 0, query.tcpOptions <= 40, query.tcpOptions % 4 == 0 else {
            throw SizeQueryError(
                description: "--tcp-options must be 0–40 in multiples of 4 (timestamps use 12), got \(query.tcpOptions)"
            )
        }
        let innerMTU = stack.largestInnerPacket(outer: linkMTU, underlay: query.underlay)
        let minimumInner = query.inner.headerSize + TransportHeader.tcp
        guard innerMTU >= minimumInner else {
            throw SizeQueryError(
                description:
                    "the encapsulation \(stack.name) leaves \(innerMTU) bytes inside a \(linkMTU)-byte packet: no room for an inner \(query.inner.displayName) packet"
            )
        }

        var notes: [String] = []
        if innerMTU < query.inner.minimumMTU {
            notes.append(
                "inner MTU \(innerMTU) is below the \(query.inner.displayName) minimum of \(query.inner.minimumMTU): \(query.inner.displayName) will not work through this tunnel"
            )
        }
        let tunnelCount = stack.tunnels.count
        if tunnelCount > 1 {
            notes.append("every tunnel layer uses an outer \(query.underlay.displayName) header")
        }

        let layers = Self.layerHeaders(stack, inner: innerMTU, linkMTU: linkMTU, underlay: query.underlay).map {
            Layer(
                name: $0.layer.name, headers: $0.headers,
                overhead: $0.layer.isTunnel ? $0.headers.reduce(0) { $0 + $1.size } : 0, addsIPHeader: $0.layer.isTunnel
            )
        }

        let tcpMSS = innerMTU - query.inner.headerSize - TransportHeader.tcp
        self.init(
            underlayIPVersion: query.underlay, innerIPVersion: query.inner, linkMTU: linkMTU, limitedBy: limit.label,
            linkMTUs: query.linkMTUs, encapsulation: stack.layers.map(\.name), layers: layers,
            overhead: linkMTU - innerMTU, innerMTU: innerMTU, tcpMSS: tcpMSS,
            tcpPayloadPerSegment: tcpMSS - query.tcpOptions, tcpOptions: query.tcpOptions,
            pingPayload: PingPayloads(
                inner: innerMTU - query.inner.headerSize - TransportHeader.icmpEcho,
                underlay: linkMTU - query.underlay.headerSize - TransportHeader.icmpEcho),
            underlayFrameSize: linkMTU + TransportHeader.ethernet + stack.frameTagBytes, packetBreakdown: [],
            notes: notes)
        if query.tcpOptions == 0 {
            self.notes.append(
                "TCP timestamps (on by default on Linux) add 12 option bytes: each full segment then carries \(tcpMSS - 12) payload bytes"
            )
        }
        if stack.frameTagBytes > 0 {
            self.notes.append(
                "802.1Q tags add \(stack.frameTagBytes) bytes to the frame, not to the IP packet: switch ports need a frame size of at least \(underlayFrameSize) (+4 FCS)"
            )
        }

        guard let packet = query.packet else { return }
        var (innerPacket, breakdown) = try Self.given(packet, query)
        guard innerPacket <= MTULimits.maximum else {
            throw SizeQueryError(description: "an IP packet of \(innerPacket) bytes exceeds the 65535-byte maximum")
        }
        let outer = stack.outerPacketSize(inner: innerPacket, underlay: query.underlay, linkMTU: linkMTU)
        for (layer, headers) in Self.layerHeaders(stack, inner: innerPacket, linkMTU: linkMTU, underlay: query.underlay)
        where layer.isTunnel {
            breakdown += headers.map {
                HeaderPart(name: "\(layer.name): \($0.name)", size: $0.size, reference: $0.reference)
            }
        }
        self.innerPacket = innerPacket
        self.outerPacket = outer
        self.frameSize = outer + TransportHeader.ethernet + stack.frameTagBytes
        self.fits = outer <= linkMTU
        self.packetBreakdown = breakdown
        if outer > linkMTU {
            self.notes.append(
                "the outer packet is \(outer - linkMTU) bytes over the \(linkMTU)-byte MTU: with DF it is dropped (PTB if the hop reports it), without DF it is fragmented"
            )
        }
    }

    /// Each layer's headers around an inner packet of `inner` bytes, innermost layer first; a tunnel's headers grow
    /// the packet the next layer carries. WireGuard's padding is capped by its device MTU: what the layers from it
    /// outward leave inside the link MTU.
    static func layerHeaders(_ stack: EncapsulationStack, inner: Int, linkMTU: Int, underlay: IPVersion)
        -> [(layer: Encapsulation, headers: [HeaderPart])]
    {
        var carried = inner
        var result: [(layer: Encapsulation, headers: [HeaderPart])] = []
        for (index, layer) in stack.layers.enumerated() {
            var deviceMTU: Int?
            if case .wireguard = layer {
                deviceMTU = EncapsulationStack(Array(stack.layers[index...])).largestInnerPacket(
                    outer: linkMTU, underlay: underlay)
            }
            let headers = layer.headers(underlay: underlay, innerPacket: carried, wireguardMTU: deviceMTU)
            result.append((layer, headers))
            if layer.isTunnel { carried += headers.reduce(0) { $0 + $1.size } }
        }
        return result
    }

    /// The inner packet a `--packet`, `--payload` or `--ping` size makes, and its parts.
    static func given(_ packet: SizeQuery.Packet, _ query: SizeQuery) throws(SizeQueryError) -> (Int, [HeaderPart]) {
        let innerPacket: Int
        var breakdown: [HeaderPart] = []
        let innerIP = HeaderPart(
            name: "inner \(query.inner.displayName) header", size: query.inner.headerSize,
            reference: query.inner.reference)
        switch packet {
        case .innerPacket(let size):
            guard size >= query.inner.headerSize else {
                throw SizeQueryError(
                    description:
                        "--packet \(size) is smaller than an \(query.inner.displayName) header (\(query.inner.headerSize))"
                )
            }
            innerPacket = size
            breakdown = [HeaderPart(name: "inner IP packet", size: size, reference: "given")]
        case .tcpPayload(let payload):
            guard payload >= 0 else {
                throw SizeQueryError(description: "--payload must not be negative, got \(payload)")
            }
            breakdown = [
                HeaderPart(name: "TCP payload", size: payload, reference: "given"),
                HeaderPart(
                    name: "TCP options", size: query.tcpOptions,
                    reference: query.tcpOptions == 12 ? "RFC 7323 timestamps" : "given"),
                HeaderPart(name: "TCP header", size: TransportHeader.tcp, reference: "RFC 9293 §3.1"),
                innerIP,
            ]
            innerPacket = payload + query.tcpOptions + TransportHeader.tcp + query.inner.headerSize
        case .pingPayload(let payload):
            guard payload >= 0 else { throw SizeQueryError(description: "--ping must not be negative, got \(payload)") }
            breakdown = [
                HeaderPart(name: "ICMP echo data (ping -s)", size: payload, reference: "given"),
                HeaderPart(
                    name: "ICMP echo header", size: TransportHeader.icmpEcho,
                    reference: query.inner == .ipv4 ? "RFC 792" : "RFC 4443 §4.1"),
                innerIP,
            ]
            innerPacket = payload + TransportHeader.icmpEcho + query.inner.headerSize
        }
        return (innerPacket, breakdown)
    }
}
