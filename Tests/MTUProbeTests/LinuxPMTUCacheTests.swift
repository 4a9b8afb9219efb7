import Foundation
import MTUCore
import MTULab
import MTUTestSupport
import Testing

/// The kernel facts docs/pmtu-cache.md relies on, shown on this kernel: a PTB makes a route exception with an
/// expiry, new TCP connections advertise an MSS that fits it, and `ip route flush cache` forgets it.
extension LabSuites {
    @Suite(
        "Linux PMTU cache and the advertised MSS (root)", .serialized,
        .enabled(if: LabSupport.isRoot, "needs root to create network namespaces"))
    struct LinuxPMTUCacheTests {
        /// `TCP_INFO.tcpi_advmss` (byte 84 of struct tcp_info) of a fresh connection from the client to the server.
        static let advertisedMSS = """
            import socket, struct, sys
            s = socket.create_connection((sys.argv[1], 443), timeout=3)
            print(struct.unpack_from("I", s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104), 84)[0])
            """

        @Test func aLearnedPMTUBoundsTheAdvertisedMSSUntilFlushed() throws {
            let wall = Int.random(in: 1400...6000)
            print("wall \(wall)")
            try LabSupport.withLab(.twoway, LabOptions(wall: wall, https: true, forwardFate: .ptb, reverseFate: .fits))
            { truth in
                let client = truth.namespaces["client"]!
                func advmss() throws -> Int? {
                    Int(
                        try LabSupport.inNamespace(client, ["python3", "-c", Self.advertisedMSS, truth.server]).1!
                            .stdout.trimmingCharacters(in: .whitespacesAndNewlines))
                }
                func route() throws -> String {
                    try LabSupport.inNamespace(client, ["ip", "route", "get", truth.server]).1!.stdout
                }
                // tcpi_advmss leaves out the 12 bytes of the timestamp option once timestamps are negotiated.
                let cold = try #require(try advmss())
                #expect(cold == 9000 - 40 || cold == 9000 - 52, "a cold path advertises the interface's MSS: \(cold)")
                #expect(!(try route()).contains("expires"))
                _ = try LabSupport.inNamespace(
                    client, ["ping", "-M", "do", "-c", "1", "-W", "1", "-s", "8000", truth.server])
                let learned = try route()
                #expect(
                    learned.contains("mtu \(wall)") && learned.contains("expires"),
                    "the PTB left an exception: \(learned)")
                let seconds = learned.split(separator: " ").first { $0.hasSuffix("sec") }.flatMap {
                    Int($0.dropLast(3))
                }
                #expect((590...600).contains(seconds ?? 0), "it lives net.ipv4.route.mtu_expires (600 s): \(learned)")
                #expect(
                    try advmss() == cold - (9000 - wall),
                    "while it lives, new connections advertise an MSS that fits it")
                _ = try LabSupport.inNamespace(client, ["ip", "route", "flush", "cache"])
                #expect(!(try route()).contains("mtu \(wall)"), "ip route flush cache forgets it")
                #expect(try advmss() == cold)
            }
        }

        /// `probe` sets a learned PMTU aside before a TCP method, and with --keep-learned-pmtu says what it could not
        /// measure instead of "ok".
        @Test func probeSaysWhatALearnedPMTUHides() throws {
            try LabSupport.withLab(.twoway, LabOptions(wall: 3000, https: true, forwardFate: .ptb, reverseFate: .fits))
            { truth in
                let client = truth.namespaces["client"]!
                _ = try LabSupport.inNamespace(
                    client, ["ping", "-M", "do", "-c", "1", "-W", "1", "-s", "8000", truth.server])
                let kept = try LabSupport.inNamespace(
                    client,
                    [
                        LabSupport.binary, "probe", "https://\(truth.server)", "--reverse-tls", "--keep-learned-pmtu",
                        "--json", "--lab-only", "--no-wall",
                    ]
                ).1!
                let keptJSON = try #require(
                    try JSONSerialization.jsonObject(with: Data(kept.stdout.utf8)) as? [String: Any], "\(kept.stderr)")
                let keptReverse = keptJSON["reverse"] as? [String: Any] ?? [:]
                #expect(keptReverse["verdict"] as? String == "partial", "\(keptReverse)")
                #expect(keptReverse["measuredUpTo"] as? Int == 3000)
                #expect(
                    (keptReverse["explanation"] as? String)?.contains(
                        "not measurable above 3000 because this host has learned 3000") == true)
                let learned = keptJSON["learned"] as? [String: Any] ?? [:]
                #expect(learned["mtu"] as? Int == 3000 && learned["setAside"] as? Bool == false)

                let cleared = try LabSupport.inNamespace(
                    client,
                    [
                        LabSupport.binary, "probe", "https://\(truth.server)", "--reverse-tls", "--json", "--lab-only",
                        "--no-wall",
                    ]
                ).1!
                let json = try #require(
                    try JSONSerialization.jsonObject(with: Data(cleared.stdout.utf8)) as? [String: Any],
                    "\(cleared.stderr)")
                let reverse = json["reverse"] as? [String: Any] ?? [:]
                #expect(reverse["verdict"] as? String == "ok", "\(reverse)")
                #expect((json["learned"] as? [String: Any])?["setAside"] as? Bool == true)
                #expect((json["forward"] as? [String: Any])?["pathMTU"] as? Int == 3000)
            }
        }
    }
}
