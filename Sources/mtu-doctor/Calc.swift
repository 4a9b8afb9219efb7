import ArgumentParser
import MTUCore
import MTUReport

struct Calc: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Encapsulation math: pod MTU, MSS, ping sizes and a per-header breakdown.",
        discussion: """
            Layers in --encap are listed innermost first: `vxlan,ipsec-esp` is VXLAN carried inside ESP. \
            Every tunnel layer's outer header uses --underlay.

            Layers: vxlan, geneve[:OPTION_BYTES], ipip, gre[:csum+key+seq], gretap[:…], wireguard, \
            ipsec-esp[:CIPHER][+nat-t] (aes-gcm-128, aes-gcm-256, chacha20-poly1305, aes-cbc-sha1, aes-cbc-sha256), \
            vlan and qinq (frame only), none.

            Examples:
              mtu-doctor calc --mtu 9000 --encap vxlan
              mtu-doctor calc --mtu 1500 --encap geneve --packet 1488
              mtu-doctor calc --mtu 9001,aws-tgw --encap vxlan --payload 8410 --tcp-options 12
              mtu-doctor calc --mtu 1500 --encap vxlan,ipsec-esp:aes-cbc-sha1 --json
              mtu-doctor calc --presets
            """
    )

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

    @Flag(name: .long, help: "List link MTU and overlay presets.")
    var presets = false

    @OptionGroup var output: OutputOptions

    func run() throws {
        try output.requireTextOrJSON("calc")
        if presets {
            if output.json {
                struct PresetList: Encodable {
                    var links: [Presets.Link]
                    var overlays: [Presets.Overlay]
                }
                print(
                    JSONReport.render(
                        PresetList(links: Presets.links, overlays: Presets.overlays), command: "calc.presets"))
            } else {
                print(CalcText.presets())
            }
            return
        }
        let given = [
            packet.map { SizeQuery.Packet.innerPacket($0) }, payload.map { .tcpPayload($0) },
            ping.map { .pingPayload($0) },
        ].compactMap { $0 }
        guard given.count <= 1 else { throw fail("--packet, --payload and --ping are alternatives: give at most one") }
        do {
            let query = SizeQuery(
                linkMTUs: try LabeledMTU.parseList(mtu),
                stack: try EncapsulationStack.parse(encap, geneveOptions: geneveOptions),
                underlay: underlay, inner: inner, packet: given.first, tcpOptions: tcpOptions)
            let result = try SizeCalculation(query)
            print(
                output.json ? JSONReport.render(result, command: "calc") : CalcText.render(result, style: output.style))
        } catch let error as MTUValueError {
            throw fail("--mtu: \(error)")
        } catch let error as EncapsulationParseError {
            throw fail("--encap: \(error)")
        } catch let error as SizeQueryError {
            throw fail(error.description)
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
