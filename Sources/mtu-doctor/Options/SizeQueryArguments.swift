import ArgumentParser
import MTUCore

/// `calc`'s question: the links, the encapsulation stack, the IP versions and at most one size to work out.
struct SizeQueryArguments: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Link MTU(s) of the underlay: numbers or preset names, comma-separated; the smallest limits.",
            valueName: "MTU[,MTU…]"))
    var mtu: String = "1500"

    @Option(name: .long, help: ArgumentHelp("Encapsulation stack, innermost first.", valueName: "LAYER[,LAYER…]"))
    var encap: String = "none"

    @Option(name: .long, help: "Geneve option bytes for a bare `geneve` layer (multiple of 4, at most 252).")
    var geneveOptions: Int = 0

    @Option(name: .long, help: "IP version of the outer (underlay) headers: ipv4 or ipv6.")
    var underlay: IPVersion = .ipv4

    @Option(name: .long, help: "IP version of the inner packets: ipv4 or ipv6.")
    var inner: IPVersion = .ipv4

    @Option(name: .long, help: "Size an inner IP packet of this many bytes.")
    var packet: Int?

    @Option(name: .long, help: "Size a TCP segment carrying this many payload bytes.")
    var payload: Int?

    @Option(name: .long, help: "Size an ICMP echo with this `ping -s` payload.")
    var ping: Int?

    @Option(name: .long, help: "TCP option bytes in every segment (timestamps add 12).")
    var tcpOptions: Int = 0

    func validate() throws {
        if [packet, payload, ping].compactMap({ $0 }).count > 1 {
            throw fail("--packet, --payload and --ping are alternatives: give at most one")
        }
    }

    /// The query, or a one-line error naming the flag.
    func query() throws -> SizeQuery {
        let given = [
            packet.map { SizeQuery.Packet.innerPacket($0) }, payload.map { .tcpPayload($0) },
            ping.map { .pingPayload($0) },
        ].compactMap { $0 }
        do {
            return SizeQuery(
                linkMTUs: try LabeledMTU.parseList(mtu),
                stack: try EncapsulationStack.parse(encap, geneveOptions: geneveOptions),
                underlay: underlay, inner: inner, packet: given.first, tcpOptions: tcpOptions)
        } catch let error as MTUValueError {
            throw fail("--mtu: \(error)")
        } catch let error as EncapsulationParseError {
            throw fail("--encap: \(error)")
        }
    }
}

extension IPVersion: ExpressibleByArgument {
    public init?(argument: String) {
        switch argument.lowercased() {
        case "ipv4", "4", "v4": self = .ipv4
        case "ipv6", "6", "v6": self = .ipv6
        default: return nil
        }
    }
}
