import Foundation
import MTUCore
import MTULab
import MTUProbe
import MTUSystem
import MTUTestSupport
import Testing

/// Targets that are not one host are refused with a one-line reason before anything is sent (issue 17).
@Suite("Probe targets: unicast only")
struct TargetPolicyTests {
    @Test(arguments: [
        ("224.0.0.1", "multicast"), ("ff02::1", "multicast"), ("255.255.255.255", "broadcast"),
        ("0.0.0.0", "unspecified"), ("::", "unspecified"),
    ])
    func nonUnicastLiteralsAreRefused(_ target: String, _ word: String) throws {
        for command in [["probe", target], ["diagnose", target]] {
            let run = try TestSupport.run(command)
            #expect(run.status == 2, "\(command)")
            #expect(run.stderr.split(separator: "\n").count == 1 && run.stderr.contains(word), "\(run.stderr)")
            #expect(!run.stderr.contains("Permission denied"))
        }
    }

    /// A subnet's broadcast address looks like any address; the routing table knows better.
    /// Names resolve through the resolver (getaddrinfo, /etc/hosts here): IPv4 first, as ping does; a URL's host and
    /// a bracketed IPv6 literal are taken apart first; the name is kept for the report.
    @Test func namesAndLiteralsResolve() throws {
        let local = try Probe.resolve("localhost")
        #expect(local.name == "localhost" && local.address == .v4(0x7F00_0001))
        #expect(try Probe.resolve("https://127.0.0.1:6443/healthz").address == .v4(0x7F00_0001))
        #expect(try Probe.resolve("[::1]").address.isIPv6)
        #expect(try Syscall.resolve("127.0.0.1") == [.v4(0x7F00_0001)])
        #expect(Syscall.addresses(of: "::1") == ["::1"])
    }

    @Test(.enabled(if: LabSupport.isRoot, "needs root to create network namespaces"))
    func aSubnetBroadcastIsRefusedInALab() throws {
        try LabSupport.withLab(.ok) { truth in
            let client = truth.namespaces["client"]!
            // The lab's client interface gets a second subnet with its broadcast address set.
            let addresses = try LabSupport.inNamespace(client, ["ip", "-o", "-4", "addr", "show"]).1!.stdout
            let lines: [[Substring]] = addresses.split(separator: "\n").map { $0.split(separator: " ") }
            let line: [Substring]? = lines.first { $0.count > 1 && $0[1] != "lo" }
            let interface = String(try #require(line)[1])
            let added = try LabSupport.inNamespace(
                client, ["ip", "addr", "add", "10.77.99.2/24", "brd", "+", "dev", interface]
            ).1!
            #expect(added.status == 0, "\(added.stderr)")
            let broadcast = "10.77.99.255"
            let run = try LabSupport.inNamespace(client, [LabSupport.binary, "probe", broadcast, "--lab-only"]).1!
            #expect(run.status == 2)
            #expect(run.stderr.contains("routed as broadcast"), "\(run.stderr)")
        }
    }
}
