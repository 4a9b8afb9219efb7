/// An MTU given by number or preset name, with the label to show for it.
public struct LabeledMTU: Sendable, Hashable, Codable {
    public var mtu: Int
    public var label: String

    public init(mtu: Int, label: String) {
        self.mtu = mtu
        self.label = label
    }
}

/// Named MTUs of common links and clouds, and the encapsulations CNIs use by default; the lists are MTUCore's
/// (`Presets.links`, `Presets.overlays`).
public enum Presets {
    /// A link whose MTU is fixed by a provider or a product.
    public struct Link: Sendable, Hashable, Codable {
        public var name: String
        public var mtu: Int
        public var note: String

        public init(name: String, mtu: Int, note: String) {
            self.name = name
            self.mtu = mtu
            self.note = note
        }
    }

    /// A CNI mode and the encapsulation it adds.
    public struct Overlay: Sendable, Hashable, Codable {
        public var name: String
        public var encapsulation: String
        public var note: String

        public init(name: String, encapsulation: String, note: String) {
            self.name = name
            self.encapsulation = encapsulation
            self.note = note
        }
    }
}

/// What `calc --presets` lists: the preset links and overlays, each overlay with its overhead over IPv4 and IPv6
/// underlays (the JSON carries the presets only, as it always has).
public struct PresetCatalogue: Sendable, Encodable {
    public struct Overhead: Sendable, Hashable {
        public var ipv4: Int
        public var ipv6: Int

        public init(ipv4: Int, ipv6: Int) {
            self.ipv4 = ipv4
            self.ipv6 = ipv6
        }
    }

    public var links: [Presets.Link]
    public var overlays: [Presets.Overlay]
    /// One per overlay, in the same order.
    public var overheads: [Overhead]

    public init(links: [Presets.Link], overlays: [Presets.Overlay], overheads: [Overhead]) {
        self.links = links
        self.overlays = overlays
        self.overheads = overheads
    }

    enum CodingKeys: String, CodingKey {
        case links, overlays
    }
}

/// The answer to a ``SizeQuery``: every figure an engineer needs, with the header breakdown.
public struct SizeCalculation: Sendable, Hashable, Codable {
    /// One encapsulation layer's contribution.
    public struct Layer: Sendable, Hashable, Codable {
        public var name: String
        public var headers: [HeaderPart]
        public var overhead: Int
        /// False for 802.1Q tags, which grow the frame but not the IP packet.
        public var addsIPHeader: Bool

        public init(name: String, headers: [HeaderPart], overhead: Int, addsIPHeader: Bool) {
            self.name = name
            self.headers = headers
            self.overhead = overhead
            self.addsIPHeader = addsIPHeader
        }
    }

    /// Largest `ping -M do -s` payloads.
    public struct PingPayloads: Sendable, Hashable, Codable {
        public var inner: Int
        public var underlay: Int

        public init(inner: Int, underlay: Int) {
            self.inner = inner
            self.underlay = underlay
        }
    }

    public var underlayIPVersion: IPVersion
    public var innerIPVersion: IPVersion
    /// The MTU in force on the underlay: the smallest of `linkMTUs`.
    public var linkMTU: Int
    /// Which of the given MTUs limits (its label).
    public var limitedBy: String
    public var linkMTUs: [LabeledMTU]
    /// The stack, innermost first.
    public var encapsulation: [String]
    public var layers: [Layer]
    /// `linkMTU - innerMTU`: every byte the stack costs at full size, padding included.
    public var overhead: Int
    /// The largest inner IP packet: the MTU to configure on pods/VMs/tunnel devices.
    public var innerMTU: Int
    /// The MSS to advertise or clamp to: inner MTU − inner IP header − 20.
    public var tcpMSS: Int
    /// TCP payload per full segment once `tcpOptions` option bytes are in every segment.
    public var tcpPayloadPerSegment: Int
    public var tcpOptions: Int
    public var pingPayload: PingPayloads
    /// The largest Ethernet frame on the underlay (header + tags, no FCS).
    public var underlayFrameSize: Int
    /// The inner IP packet being sized, when one was asked for.
    public var innerPacket: Int?
    /// Its outer IP packet on the underlay.
    public var outerPacket: Int?
    /// Its Ethernet frame on the underlay (no FCS).
    public var frameSize: Int?
    /// Whether the outer packet fits `linkMTU`.
    public var fits: Bool?
    /// Explanations of the packet's size, innermost first.
    public var packetBreakdown: [HeaderPart]
    /// Warnings and remarks.
    public var notes: [String]

    public init(
        underlayIPVersion: IPVersion, innerIPVersion: IPVersion, linkMTU: Int, limitedBy: String,
        linkMTUs: [LabeledMTU], encapsulation: [String], layers: [Layer], overhead: Int, innerMTU: Int, tcpMSS: Int,
        tcpPayloadPerSegment: Int, tcpOptions: Int, pingPayload: PingPayloads, underlayFrameSize: Int,
        innerPacket: Int? = nil, outerPacket: Int? = nil, frameSize: Int? = nil, fits: Bool? = nil,
        packetBreakdown: [HeaderPart], notes: [String]
    ) {
        self.underlayIPVersion = underlayIPVersion
        self.innerIPVersion = innerIPVersion
        self.linkMTU = linkMTU
        self.limitedBy = limitedBy
        self.linkMTUs = linkMTUs
        self.encapsulation = encapsulation
        self.layers = layers
        self.overhead = overhead
        self.innerMTU = innerMTU
        self.tcpMSS = tcpMSS
        self.tcpPayloadPerSegment = tcpPayloadPerSegment
        self.tcpOptions = tcpOptions
        self.pingPayload = pingPayload
        self.underlayFrameSize = underlayFrameSize
        self.innerPacket = innerPacket
        self.outerPacket = outerPacket
        self.frameSize = frameSize
        self.fits = fits
        self.packetBreakdown = packetBreakdown
        self.notes = notes
    }
}
