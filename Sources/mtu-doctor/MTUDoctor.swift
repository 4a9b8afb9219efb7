import ArgumentParser

@main
struct MTUDoctor: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mtu-doctor",
        abstract: "Find, explain and fix MTU black holes in overlay networks.",
        discussion: """
            Configured MTU is not path MTU. mtu-doctor measures the real path, in both directions, to the byte \
            (probe), names the hop and what happened to the ICMP that should have reported it, ties the evidence \
            together into a cause with what was ruled out (diagnose), reads captures (capture analyze), does the \
            encapsulation math (calc) and analyses a described network per flow and direction (check), with the \
            fix in each device's own words. Reports: --format text|json|markdown|html.

            Examples:
              mtu-doctor diagnose https://10.96.0.1:443
              mtu-doctor check examples/nsx-geneve-firewall.yaml
              mtu-doctor calc --mtu 9001,aws-tgw --encap vxlan
              mtu-doctor capture analyze node.pcap --mtu 1500
              sudo mtu-doctor lab demo blackhole
              mtu-doctor --generate-completion-script bash > /etc/bash_completion.d/mtu-doctor
            """,
        version: "0.1.0",
        subcommands: [DiagnoseCommand.self, Calc.self, Check.self, ProbeCommand.self, CaptureCommand.self, ServeCommand.self, LabCommand.self]
    )
}
