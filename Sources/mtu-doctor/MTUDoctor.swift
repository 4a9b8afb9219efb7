import ArgumentParser

@main
struct MTUDoctor: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mtu-doctor",
        abstract: "Find, explain and fix MTU black holes in overlay networks.",
        discussion: """
            Configured MTU is not path MTU. mtu-doctor does the encapsulation math exactly (calc) and analyses a \
            described network per flow and per direction (check): the hop that limits it, what happens to larger \
            packets and to the ICMP that should report them, and the fix in each device's own words.
            """,
        version: "0.1.0",
        subcommands: [DiagnoseCommand.self, Calc.self, Check.self, ProbeCommand.self, CaptureCommand.self, ServeCommand.self, LabCommand.self]
    )
}
