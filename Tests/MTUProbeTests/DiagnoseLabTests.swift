import Foundation
import MTUCore
import MTULab
import MTUTestSupport
import Testing

/// `mtu-doctor diagnose` end to end on the namespace labs: for each incident the right cause, hop, ruled-out list
/// and fix; for a healthy path and for a TLS failure that is not about sizes, no blame on the MTU.
extension LabSuites {
    @Suite(
        "diagnose on the labs (root)", .serialized,
        .enabled(if: LabSupport.isRoot, "needs root to create network namespaces"))
    struct DiagnoseLabTests {
        struct Run {
            var status: Int32
            var json: [String: Any]
            var stderr: String

            var verdict: String? { json["verdict"] as? String }
            var hypotheses: [[String: Any]] { json["hypotheses"] as? [[String: Any]] ?? [] }
            var cause: [String: Any]? {
                hypotheses.first { ["confirmed", "likely"].contains($0["status"] as? String ?? "") }
            }
            var fixes: [[String: Any]] { json["fixes"] as? [[String: Any]] ?? [] }
            var ruledOut: [String] { (json["ruledOut"] as? [[String: Any]] ?? []).compactMap { $0["item"] as? String } }
            func hypothesis(_ id: String) -> [String: Any]? { hypotheses.first { $0["id"] as? String == id } }
        }

        static func diagnose(_ truth: LabGroundTruth, _ target: String, _ extra: [String] = []) throws -> Run {
            let output = try LabSupport.inNamespace(
                truth.namespaces["client"]!, [LabSupport.binary, "diagnose", target, "--json", "--lab-only"] + extra
            ).1!
            guard let json = (try? JSONSerialization.jsonObject(with: Data(output.stdout.utf8))) as? [String: Any]
            else {
                throw LabError("diagnose printed no JSON (exit \(output.status)): \(output.stderr)")
            }
            let errors = try JSONSchema(file: "\(TestSupport.repositoryRoot)/docs/schema/diagnose.schema.json")
                .validate(json)
            #expect(errors.isEmpty, "diagnose JSON against docs/schema/diagnose.schema.json: \(errors.prefix(5))")
            return Run(status: output.status, json: json, stderr: output.stderr)
        }

        /// The NSX story on the blackhole lab, with the topology as documented and a capture of the probes.
        @Test func blackholeWithTopologyAndCapture() throws {
            try LabSupport.withLab(.blackhole, LabOptions(https: true)) { truth in
                let run = try Self.diagnose(
                    truth, "https://\(truth.server)",
                    ["--topology", "\(TestSupport.repositoryRoot)/examples/lab-blackhole.yaml", "--capture"])
                #expect(run.status == 1)
                #expect(run.verdict == "blackhole")
                let cause = try #require(run.cause)
                #expect(cause["id"] as? String == "ptb-filtered")
                #expect((cause["hop"] as? String)?.contains("r2") == true, "the topology names r2's interface")
                #expect((run.json["headline"] as? String)?.contains("between 10.77.2.2 and 10.77.3.2") == true)
                for suspect in [
                    "Certificates", "RBAC / authorization", "DNS", "Routing, BFD and keepalives",
                    "Random packet loss or congestion",
                ] {
                    #expect(run.ruledOut.contains(suspect), "\(suspect) must be ruled out")
                }
                let disagreements = run.json["disagreements"] as? [String] ?? []
                #expect(disagreements.contains { $0.contains("configured 9000") && $0.contains("passes 1500") })
                let first = try #require(run.fixes.first)
                #expect(
                    (first["title"] as? String)?.contains("r2") == true, "the topology's own fix for r2 comes first")
                #expect(
                    run.fixes.contains {
                        ($0["commands"] as? [String])?.contains { $0.contains("--set-mss 1460") } == true
                    })
                let evidence = run.json["evidence"] as? [String: Any] ?? [:]
                let capture = evidence["capture"] as? [String: Any] ?? [:]
                #expect(
                    (capture["kinds"] as? [String])?.contains("receive-gap") == true,
                    "the capture sees the server's flight stop")
            }
        }

        /// The HTML report of a real run, rendered in headless Chromium: the wall hop, the sizes and the verdict are in
        /// the DOM, nothing is logged to the console, a screenshot comes out. The probe report too.
        @Test(
            .disabled(
                if: Chromium.executable == nil && !LabSupport.underCI,
                "chromium is not installed (apt-get install chromium)"))
        func htmlReportsRenderInChromium() throws {
            try LabSupport.withLab(.blackhole, LabOptions(https: true)) { truth in
                let directory = NSTemporaryDirectory() + "mtud-html-\(getpid())"
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(atPath: directory) }
                for (name, arguments) in [
                    (
                        "diagnose",
                        [
                            "diagnose", "https://\(truth.server)", "--topology",
                            "\(TestSupport.repositoryRoot)/examples/lab-blackhole.yaml",
                        ]
                    ),
                    ("probe", ["probe", truth.server]),
                ] {
                    let html = "\(directory)/\(name).html"
                    let output = try LabSupport.inNamespace(
                        truth.namespaces["client"]!,
                        [LabSupport.binary] + arguments + ["--lab-only", "--format", "html", "-o", html]
                    ).1!
                    #expect(output.status == 1, "\(name): \(output.stderr)")
                    let page = try Chromium.render(html, screenshot: "\(directory)/\(name).png")
                    #expect(page.consoleErrors.isEmpty, "\(page.consoleErrors)")
                    #expect(page.screenshot.count > 20_000)
                    #expect(page.dom.contains("data-verdict=\"blackhole\""), "\(name)")
                    #expect(page.dom.contains("id=\"wall-hop\""), "\(name): the wall hop is drawn")
                    #expect(
                        page.dom.contains("id=\"ladder-chart\"") && page.dom.contains("1500 bytes: passed")
                            && page.dom.contains("1501 bytes: lost"), "\(name): the size ladder")
                    #expect(page.dom.contains(truth.server))
                    if name == "diagnose" {
                        #expect(page.dom.contains("data-id=\"ptb-filtered\""))
                        #expect(page.dom.contains("Ruled out") && page.dom.contains("Certificates"))
                    }
                }
            }
        }

        @Test func sviIsARoutedHopAndPMTUDWorks() throws {
            try LabSupport.withLab(.svi, LabOptions(https: true)) { truth in
                let run = try Self.diagnose(truth, "https://\(truth.server)")
                #expect(run.verdict == "degraded")
                #expect(run.cause?["id"] as? String == "routed-hop-wall")
                #expect(run.cause?["hop"] as? String == truth.ptbSource)
                #expect(run.fixes.contains { ($0["title"] as? String)?.contains("Carry 9000-byte packets") == true })
            }
        }

        @Test func sviRPFNamesTheHostsRPFilter() throws {
            try LabSupport.withLab(.sviRPF, LabOptions(https: true)) { truth in
                let run = try Self.diagnose(truth, "https://\(truth.server)")
                #expect(run.verdict == "blackhole")
                #expect(run.cause?["id"] as? String == "ptb-lost-rp-filter")
                #expect(run.cause?["status"] as? String == "confirmed")
                #expect((run.fixes.first?["title"] as? String)?.contains("Accept the ICMP") == true)
            }
        }

        /// Cilium behind a Transit Gateway: from the pod, 8450 passes and nothing says why.
        @Test func transitGatewayUnderTheOverlay() throws {
            try LabSupport.withLab(.tgw, LabOptions(https: true)) { truth in
                let run = try Self.diagnose(truth, "https://\(truth.server)")
                #expect(run.verdict == "blackhole")
                let likely = run.hypotheses.filter { ["confirmed", "likely"].contains($0["status"] as? String ?? "") }
                    .compactMap { $0["id"] as? String }
                #expect(likely.contains("underlay-wall-under-overlay") && likely.contains("ptb-not-relayed"))
                #expect((run.hypothesis("underlay-wall-under-overlay")?["title"] as? String)?.contains("8500") == true)
                #expect(run.fixes.contains { ($0["title"] as? String)?.contains("8450") == true })
            }
        }

        @Test func healthyPathIsNotBlamed() throws {
            try LabSupport.withLab(.ok, LabOptions(https: true)) { truth in
                let run = try Self.diagnose(truth, "https://\(truth.server)")
                #expect(run.status == 0)
                #expect(run.verdict == "ok")
                #expect(run.fixes.isEmpty)
            }
        }

        /// A port that does not speak TLS (mtu-doctor's own responder): the handshake fails for its own reasons.
        @Test func tlsFailureThatIsNotAboutSizes() throws {
            try LabSupport.withLab(.ok) { truth in
                let server = try LabSupport.inNamespace(
                    truth.namespaces["server"]!,
                    [LabSupport.binary, "serve", "--tcp-port", "8443", "--duration", "60"], wait: false
                ).0
                defer {
                    server.stop()
                }
                Thread.sleep(forTimeInterval: 0.3)
                let run = try Self.diagnose(truth, "https://\(truth.server):8443")
                #expect(run.verdict == "not-mtu")
                #expect(run.cause?["id"] as? String == "not-mtu")
                #expect(run.fixes.isEmpty)
                let reverse = (run.json["evidence"] as? [String: Any])?["reverse"] as? [String: Any]
                #expect(
                    reverse?["verdict"] as? String == "not-measured",
                    "no reverse search against a port that does not speak TLS")
            }
        }
    }
}
