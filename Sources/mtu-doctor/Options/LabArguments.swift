import ArgumentParser
import MTUCore
import MTULab

/// `lab up`: the walls and the scenario's switches, turned into MTULab's `LabOptions`.
struct LabArguments: ParsableArguments {
    @Option(help: "The forward wall in bytes (default per scenario).")
    var wall: Int?

    @Option(help: "The reverse wall when it differs (asymmetric path).")
    var reverseWall: Int?

    @Option(help: "Namespace prefix (default: mtud- and six random hex digits).")
    var prefix: String?

    @Option(help: "Overlay scenarios: the VXLAN outer DF, set|unset|inherit.")
    var df: String?

    @Flag(
        help: "Start an HTTPS server (certificate chain over 4 KB; plain HTTP gets a 400) on the server, port 443.")
    var https = false

    @Flag(help: "Overlay scenarios: return the underlay through a second router that carries --reverse-wall.")
    var asymmetric = false

    @Option(help: "mesh: how many hosts, split between the two subnets (2–64).")
    var nodes: Int = 4

    @Option(
        help:
            "twoway: what the forward wall does to a packet too large for it: \(WallFate.allCases.map(\.rawValue).joined(separator: ", "))."
    )
    var forwardFate: String = "ptb"

    @Option(
        help: "twoway: what the reverse wall does: \(WallFate.allCases.map(\.rawValue).joined(separator: ", ")).")
    var reverseFate: String = "ptb"

    /// The options, or a usage error naming the flag and the known fates.
    func options() throws -> LabOptions {
        LabOptions(
            wall: wall, reverseWall: reverseWall, prefix: prefix, outerDF: df, https: https, asymmetric: asymmetric,
            nodes: nodes, forwardFate: try choice(forwardFate, "fate", flag: "--forward-fate"),
            reverseFate: try choice(reverseFate, "fate", flag: "--reverse-fate"))
    }
}
