import Foundation
import MTUCore
import MTULab
import MTUTestSupport
import Testing

/// `capture analyze` on real captures taken at both ends of a lab path, with segmentation offload on and off: an
/// upload through a router that returns ICMP "too big" completes, so neither end's capture may call it a black hole —
/// the sender's (which records 64 KB super-packets when offload is on) included.
extension LabSuites {
    @Suite(
        "capture analyze at both ends of a lab upload, offload on and off (root)", .serialized,
        .enabled(if: LabSupport.isRoot, "needs root to create network namespaces"))
    struct LabCaptureTests {
        static let sink = """
            import socket
            server = socket.socket()
            server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            server.bind(("0.0.0.0", 5001))
            server.listen(1)
            server.settimeout(20)
            connection, _ = server.accept()
            connection.settimeout(20)
            total = 0
            while True:
                data = connection.recv(65536)
                if not data:
                    break
                total += len(data)
            print(total)
            """

        static let upload = """
            import socket, sys
            s = socket.create_connection((sys.argv[1], 5001), timeout=float(sys.argv[2]))
            s.sendall(b"x" * 2000000)
            s.shutdown(socket.SHUT_WR)
            s.recv(1)
            s.close()
            """

        /// Waits (at most 5 s) until tcpdump says it is listening: before that, packets are not recorded.
        static func waitUntilListening(_ recorder: Process) -> Bool {
            guard let pipe = recorder.standardError as? Pipe else { return false }
            let descriptor = pipe.fileHandleForReading.fileDescriptor
            var said = ""
            let deadline = Date().addingTimeInterval(5)
            while Date() < deadline, recorder.isRunning {
                var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                guard poll(&poller, 1, 100) > 0 else { continue }
                var buffer = [UInt8](repeating: 0, count: 512)
                let count = read(descriptor, &buffer, buffer.count)
                guard count > 0 else { break }
                said += String(decoding: buffer[0..<count], as: UTF8.self)
                if said.contains("listening on") { return true }
            }
            return false
        }

        static func analyse(_ file: String) throws -> [String: Any] {
            let run = try TestSupport.run(["capture", "analyze", file, "--json"])
            return try #require(
                try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any],
                "capture analyze \(file): \(run.stderr)")
        }

        @Test(arguments: [false, true])
        func anUploadThroughAPTBWall(offload: Bool) throws {
            let wall = Int.random(in: 1400...4000)
            print("offload \(offload), wall \(wall)")
            try LabSupport.withLab(.twoway, LabOptions(wall: wall, forwardFate: .ptb, reverseFate: .fits)) { truth in
                let client = truth.namespaces["client"]!
                let server = truth.namespaces["server"]!
                let setting = offload ? "on" : "off"
                _ = try LabSupport.inNamespace(
                    client, ["ethtool", "-K", "c0", "tso", setting, "gso", setting, "gro", setting])
                _ = try LabSupport.inNamespace(
                    server, ["ethtool", "-K", "s0", "tso", setting, "gso", setting, "gro", setting])
                let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                    "mtud-capture-\(UUID().uuidString)"
                ).path
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(atPath: directory) }
                let sending = "\(directory)/sender.pcap"
                let receiving = "\(directory)/receiver.pcap"
                let recorders = [
                    try LabSupport.inNamespace(
                        client,
                        [
                            "tcpdump", "--immediate-mode", "-i", "c0", "-U", "-s", "256", "-w", sending,
                            "tcp port 5001 or icmp",
                        ], wait: false
                    ).0,
                    try LabSupport.inNamespace(
                        server,
                        [
                            "tcpdump", "--immediate-mode", "-i", "s0", "-U", "-s", "256", "-w", receiving,
                            "tcp port 5001 or icmp",
                        ], wait: false
                    ).0,
                ]
                defer {
                    for recorder in recorders { recorder.stop() }
                }
                for recorder in recorders { #expect(Self.waitUntilListening(recorder), "tcpdump started") }
                let (sinkProcess, _) = try LabSupport.inNamespace(server, ["python3", "-c", Self.sink], wait: false)
                defer {
                    sinkProcess.stop()
                }
                Thread.sleep(forTimeInterval: 0.5)
                let sent = try LabSupport.inNamespace(client, ["python3", "-c", Self.upload, truth.server, "20"]).1!
                #expect(sent.status == 0, "the upload completes: \(sent.stderr)")
                sinkProcess.waitUntilExit()
                Thread.sleep(forTimeInterval: 0.3)
                for recorder in recorders { recorder.stop() }

                let sender = try Self.analyse(sending)
                let findings = sender["findings"] as? [[String: Any]] ?? []
                let ptb = try #require(
                    findings.first { $0["kind"] as? String == "ptb-seen" },
                    "the PTB reached the sender: \(findings.map { $0["summary"] ?? "" })")
                let claims = ptb["ptb"] as? [String: Any] ?? [:]
                #expect(claims["mtu"] as? Int == wall)
                #expect(claims["senderAdapted"] as? Bool == true, "offload \(offload): \(ptb["summary"] ?? "")")
                #expect(ptb["evidence"] as? String == "confirmed")
                #expect(
                    sender["verdict"] as? String != "blackhole", "offload \(offload): \(sender["conclusion"] ?? "")")
                #expect(!(sender["conclusion"] as? String ?? "").contains("did not take effect"))

                let receiver = try Self.analyse(receiving)
                let seen = (receiver["findings"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String }
                #expect(
                    !seen.contains("stalled-segment") && !seen.contains("receive-gap"),
                    "offload \(offload): \(receiver["conclusion"] ?? "")")
                #expect(receiver["verdict"] as? String != "blackhole")
            }
        }

        /// The walls an upload does not get through: the sender's capture must name the black hole — the PTB that arrived
        /// and did not take effect (strict rp_filter drops it after the capture point), or a stall with no PTB at all —
        /// and, with offload on, never a super-packet's size as the path MTU.
        @Test(arguments: [WallFate.ptbRPF, .silentRouted, .silentL2], [false, true])
        func anUploadIntoABlackHole(fate: WallFate, offload: Bool) throws {
            let wall = Int.random(in: 1400...4000)
            print("\(fate.rawValue), offload \(offload), wall \(wall)")
            try LabSupport.withLab(.twoway, LabOptions(wall: wall, forwardFate: fate, reverseFate: .fits)) { truth in
                let client = truth.namespaces["client"]!
                let server = truth.namespaces["server"]!
                let setting = offload ? "on" : "off"
                _ = try LabSupport.inNamespace(
                    client, ["ethtool", "-K", "c0", "tso", setting, "gso", setting, "gro", setting])
                let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                    "mtud-capture-\(UUID().uuidString)"
                ).path
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(atPath: directory) }
                let sending = "\(directory)/sender.pcap"
                let recorder = try LabSupport.inNamespace(
                    client,
                    [
                        "tcpdump", "--immediate-mode", "-i", "c0", "-U", "-s", "256", "-w", sending,
                        "tcp port 5001 or icmp",
                    ], wait: false
                ).0
                defer {
                    recorder.stop()
                }
                #expect(Self.waitUntilListening(recorder), "tcpdump started")
                let (sinkProcess, _) = try LabSupport.inNamespace(server, ["python3", "-c", Self.sink], wait: false)
                defer {
                    sinkProcess.stop()
                }
                Thread.sleep(forTimeInterval: 0.5)
                let sent = try LabSupport.inNamespace(client, ["python3", "-c", Self.upload, truth.server, "4"]).1!
                #expect(sent.status != 0, "the upload cannot complete through a black hole")
                recorder.stop()

                let sender = try Self.analyse(sending)
                let findings = sender["findings"] as? [[String: Any]] ?? []
                // With a PTB that did not take effect the capture proves the black hole. With no ICMP at all, the peer
                // goes quiet after the handshake: a size limit or a peer that died — the capture may say either
                // "blackhole" or "incomplete", never "ok".
                let verdict = sender["verdict"] as? String ?? ""
                if fate == .ptbRPF {
                    #expect(
                        verdict == "blackhole", "\(fate.rawValue), offload \(offload): \(sender["conclusion"] ?? "")")
                } else {
                    #expect(
                        ["blackhole", "incomplete"].contains(verdict),
                        "\(fate.rawValue), offload \(offload): \(verdict) — \(sender["conclusion"] ?? "")")
                }
                let ptb = findings.first { $0["kind"] as? String == "ptb-seen" }
                if fate == .ptbRPF {
                    let seen = try #require(ptb, "the PTB reaches the capture point before rp_filter drops it")
                    #expect(
                        (seen["ptb"] as? [String: Any])?["senderAdapted"] as? Bool == false, "\(seen["summary"] ?? "")")
                } else {
                    #expect(ptb == nil, "no router sent one")
                }
                for finding in findings where finding["kind"] as? String == "stalled-segment" {
                    let lost = (finding["sizes"] as? [String: Any])?["smallestLost"] as? Int ?? 0
                    #expect(lost <= 9000, "a wire size, never a super-packet's: \(finding["summary"] ?? "")")
                }
            }
        }
    }
}
