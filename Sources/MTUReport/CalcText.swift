import MTUModel

/// Human text for `calc`.
public enum CalcText {
    public static func render(_ result: SizeCalculation, style: Style = Style(color: false)) -> String {
        var lines: [String] = []
        let limit =
            result.linkMTUs.count > 1 ? "  (smallest of \(result.linkMTUs.map(\.label).joined(separator: ", ")))" : ""
        lines.append(
            "Underlay link MTU     \(padLeft(String(result.linkMTU), 6))  \(result.underlayIPVersion.displayName) outer headers\(limit)"
        )
        lines.append(
            "Encapsulation         \(result.encapsulation.isEmpty ? "none" : result.encapsulation.joined(separator: " inside "))  (innermost first)"
        )
        for layer in result.layers {
            lines.append("  \(style.bold(layer.name))")
            for header in layer.headers {
                lines.append(
                    "    \(pad(header.name, 52)) \(padLeft(String(header.size), 4))  \(style.dim(header.reference))")
            }
            if layer.addsIPHeader {
                lines.append("    \(pad("layer overhead", 52)) \(padLeft(String(layer.overhead), 4))")
            }
        }
        lines.append("  \(pad("total overhead at full size", 54)) \(padLeft(String(result.overhead), 4))")
        lines.append("")
        lines.append("Inner MTU (pod/VM MTU to configure)   \(style.bold(String(result.innerMTU)))")
        lines.append(
            "TCP MSS                               \(result.tcpMSS)   (\(result.innerIPVersion.displayName) \(result.innerIPVersion.headerSize) + TCP 20)"
        )
        if result.tcpOptions > 0 {
            lines.append(
                "TCP payload per segment               \(result.tcpPayloadPerSegment)   (with \(result.tcpOptions) option bytes)"
            )
        }
        lines.append("Largest ping -M do -s, inside         \(result.pingPayload.inner)")
        lines.append("Largest ping -M do -s, on underlay    \(result.pingPayload.underlay)")
        lines.append(
            "Largest underlay frame                \(result.underlayFrameSize)   (Ethernet header\(result.encapsulation.contains { $0 == "vlan" || $0 == "qinq" } ? " + tags" : ""), +4 FCS on the wire)"
        )
        if let inner = result.innerPacket, let outer = result.outerPacket, let fits = result.fits {
            lines.append("")
            lines.append("Packet")
            for part in result.packetBreakdown {
                lines.append("  \(pad(part.name, 62)) \(padLeft(String(part.size), 5))  \(style.dim(part.reference))")
            }
            lines.append("  \(pad("inner IP packet", 62)) \(padLeft(String(inner), 5))")
            lines.append(
                "  \(pad("outer IP packet", 62)) \(padLeft(String(outer), 5))  \(fits ? style.paint("fits \(result.linkMTU)", "32") : style.paint("does NOT fit \(result.linkMTU) (\(outer - result.linkMTU) over)", "1;31"))"
            )
            if let frame = result.frameSize {
                lines.append("  \(pad("Ethernet frame (no FCS)", 62)) \(padLeft(String(frame), 5))")
            }
        }
        if !result.notes.isEmpty {
            lines.append("")
            for note in result.notes { lines.append("note: \(note)") }
        }
        return lines.joined(separator: "\n")
    }

    /// The presets as JSON (`calc --presets --json`, command `calc.presets`): the links and the overlays.
    public static func presetsJSON(_ catalogue: PresetCatalogue) -> String {
        JSONReport.render(catalogue, command: "calc.presets")
    }

    /// The preset table for `calc --presets`.
    public static func presets(_ catalogue: PresetCatalogue) -> String {
        var lines = ["Link presets (use the name wherever an MTU is expected, e.g. --mtu 9001,aws-tgw)", ""]
        for link in catalogue.links {
            lines.append("  \(pad(link.name, 26)) \(padLeft(String(link.mtu), 5))  \(link.note)")
        }
        lines += ["", "Overlay presets (overhead computed here for IPv4 / IPv6 underlays)", ""]
        for (overlay, overhead) in zip(catalogue.overlays, catalogue.overheads) {
            lines.append(
                "  \(pad(overlay.name, 20)) \(pad(overlay.encapsulation, 10)) \(padLeft(String(overhead.ipv4), 3)) / \(padLeft(String(overhead.ipv6), 3))  \(overlay.note)"
            )
        }
        return lines.joined(separator: "\n")
    }
}
