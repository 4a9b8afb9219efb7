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

    @OptionGroup var size: SizeQueryArguments

    @Flag(name: .long, help: "List link MTU and overlay presets.")
    var presets = false

    @OptionGroup var output: OutputOptions

    func run() throws {
        try output.requireTextOrJSON("calc")
        if presets {
            try output.write(output.json ? CalcText.presetsJSON(.all) : CalcText.presets(.all))
            return
        }
        let result: SizeCalculation
        do {
            result = try SizeCalculation(try size.query())
        } catch let error as SizeQueryError {
            throw fail(error.description)
        }
        try output.write(
            output.json ? JSONReport.render(result, command: "calc") : CalcText.render(result, style: output.style))
    }
}
