import Foundation
import MTUTestSupport
import Testing

/// Runs the built `mtu-doctor` binary, as a user would.
typealias Run = BinaryRun

let repositoryRoot = TestSupport.repositoryRoot
let binary = TestSupport.binary

func run(_ arguments: String...) throws -> Run { try runArray(arguments) }

@Suite("The mtu-doctor command line", .serialized)
struct CLITests {
    @Test func binaryExists() {
        #expect(FileManager.default.isExecutableFile(atPath: binary), "build the package first: \(binary)")
    }

    @Test func calcJSON() throws {
        let result = try run("calc", "--mtu", "9000", "--encap", "vxlan", "--json")
        #expect(result.status == 0)
        let json = result.json
        #expect(json["schemaVersion"] as? Int == 1)
        #expect(json["command"] as? String == "calc")
        #expect(json["innerMTU"] as? Int == 8950)
        #expect(json["tcpMSS"] as? Int == 8910)
        #expect(json["overhead"] as? Int == 50)
        let layers = try #require(json["layers"] as? [[String: Any]])
        #expect(layers.first?["name"] as? String == "vxlan")
        #expect((layers.first?["headers"] as? [[String: Any]])?.count == 4)
        #expect(json["outerPacket"] == nil)
    }

    @Test func calcPacketJSON() throws {
        let json = try run("calc", "--mtu", "1500", "--encap", "geneve", "--packet", "1488", "--json").json
        #expect(json["outerPacket"] as? Int == 1538)
        #expect(json["fits"] as? Bool == false)
    }

    @Test func calcText() throws {
        let result = try run("calc", "--mtu", "9001,aws-tgw", "--encap", "vxlan")
        #expect(result.status == 0)
        #expect(result.stdout.contains("Inner MTU (pod/VM MTU to configure)   8450"))
        #expect(result.stdout.contains("smallest of 9001, aws-tgw (8500)"))
        #expect(result.stdout.contains("RFC 7348"))
        #expect(!result.stdout.contains("\u{1B}["), "no colour when stdout is not a terminal")
    }

    @Test func presets() throws {
        let result = try run("calc", "--presets")
        #expect(result.status == 0)
        for name in [
            "aws-ec2", "aws-tgw", "aws-inter-region-peering", "gcp", "nsx-tep-min", "calico-vxlan", "cilium-geneve",
            "flannel-vxlan",
        ] {
            #expect(result.stdout.contains(name))
        }
    }

    @Test(
        "calc bad input",
        arguments: [
            (["calc", "--encap", "vxaln"], "--encap: unknown encapsulation 'vxaln'"),
            (["calc", "--mtu", "aws-tgv"], "did you mean 'aws-tgw'"),
            (["calc", "--mtu", "40"], "between 68 and 65535"),
            (["calc", "--packet", "100", "--ping", "100"], "alternatives"),
            (["calc", "--geneve-options", "5", "--encap", "geneve"], "multiples of 4"),
        ])
    func calcErrors(arguments: [String], message: String) throws {
        let process = try runArray(arguments)
        #expect(process.status == 2)
        #expect(process.stderr.hasPrefix("mtu-doctor: error: "))
        #expect(process.stderr.contains(message), "\(process.stderr)")
        #expect(process.stdout.isEmpty)
    }

    @Test func checkExitCodes() throws {
        #expect(try run("check", "examples/nsx-geneve-firewall.yaml").status == 1)
        #expect(try run("check", "examples/nsx-geneve-firewall-fixed.yaml").status == 0)
        #expect(try run("check", "examples/calico-svi-fixed.yaml").status == 0)
        let missing = try run("check", "examples/nope.yaml")
        #expect(missing.status == 2)
        #expect(missing.stderr == "mtu-doctor: error: examples/nope.yaml: no such file\n")
    }

    @Test func checkBadFileNamesLineAndField() throws {
        let path = NSTemporaryDirectory() + "mtu-doctor-cli-\(getpid()).yaml"
        try "name: x\nnodes:\n  - name: a\n    kind: host\n    interfaces:\n      - { name: eth0, mtu: lots }\n".write(
            toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try run("check", path)
        #expect(result.status == 2)
        #expect(
            result.stderr
                == "mtu-doctor: error: \(path):6:28: nodes[0].interfaces[0].mtu: expected an integer, got 'lots'\n")
    }

    @Test func checkJSONShape() throws {
        let result = try run("check", "examples/cilium-clustermesh-tgw.yaml", "--json")
        #expect(result.status == 1)
        let json = result.json
        #expect(json["schemaVersion"] as? Int == 1)
        #expect(json["verdict"] as? String == "blackhole")
        let flows = try #require(json["flows"] as? [[String: Any]])
        let large = try #require(flows.first { $0["name"] as? String == "frontend-to-backend-large" })
        #expect(large["verdict"] as? String == "blackhole")
        let reverse = try #require(large["reverse"] as? [String: Any])
        #expect(reverse["pathMTU"] as? Int == 8450)
        let bottleneck = try #require(reverse["bottleneck"] as? [String: Any])
        #expect(bottleneck["node"] as? String == "tgw")
        #expect(bottleneck["interface"] as? String == "attach-vpc-a")
        #expect((bottleneck["reason"] as? String)?.isEmpty == false)
        let fate = try #require(reverse["fate"] as? [String: Any])
        #expect(fate["kind"] as? String == "ptbLost")
        #expect(fate["lostReason"] as? String == "not-relayed")
        #expect((large["forward"] as? [String: Any])?["pathMTU"] as? Int == 8450)
        let findings = try #require(json["findings"] as? [[String: Any]])
        #expect(findings.first?["severity"] as? String == "error")
        #expect((findings.first?["summary"] as? String)?.contains("tgw") == true)
        #expect((findings.first?["fixes"] as? [[String: Any]])?.isEmpty == false)
    }

    @Test func checkFlowFilter() throws {
        let result = try run("check", "examples/calico-svi-rpf.yaml", "--flow", "worker-to-apiserver")
        #expect(result.status == 0)
        #expect(!result.stdout.contains("worker3-to-apiserver"))
        let wrong = try run("check", "examples/calico-svi-rpf.yaml", "--flow", "worker-to-apiservr")
        #expect(wrong.status == 2)
        #expect(wrong.stderr.contains("did you mean 'worker-to-apiserver'"))
    }

    @Test func helpHasExamples() throws {
        for command in ["calc", "check"] {
            let result = try run(command, "--help")
            #expect(result.status == 0)
            #expect(result.stdout.contains("Examples:"))
        }
    }
}

func runArray(_ arguments: [String]) throws -> Run { try TestSupport.run(arguments) }

@Suite("The README stays true")
struct ReadmeTests {
    /// The README shows a real run of `check` on the NSX example; it must match what the tool prints today.
    @Test func readmeShowsTheRealCheckOutput() throws {
        let readme = try String(contentsOfFile: "\(repositoryRoot)/README.md", encoding: .utf8)
        let start = try #require(readme.range(of: "$ swift run mtu-doctor check examples/nsx-geneve-firewall.yaml\n"))
        let end = try #require(readme.range(of: "$ echo $?\n1\n", range: start.upperBound..<readme.endIndex))
        let shown = String(readme[start.upperBound..<end.lowerBound])
        let actual = try run("check", "examples/nsx-geneve-firewall.yaml")
        #expect(actual.status == 1)
        #expect(
            shown == actual.stdout,
            "regenerate the README block from `mtu-doctor check examples/nsx-geneve-firewall.yaml`")
    }

    /// Every other `$ mtu-doctor …` block that shows offline output (capture analysis) is what the tool prints today.
    @Test func readmeShowsTheRealCaptureOutput() throws {
        let readme = try String(contentsOfFile: "\(repositoryRoot)/README.md", encoding: .utf8)
        let command = "$ mtu-doctor capture analyze Tests/MTUCaptureTests/Fixtures/tls-stall-server.pcap\n"
        let start = try #require(readme.range(of: command))
        let end = try #require(readme.range(of: "```\n", range: start.upperBound..<readme.endIndex))
        let actual = try run("capture", "analyze", "Tests/MTUCaptureTests/Fixtures/tls-stall-server.pcap")
        #expect(
            String(readme[start.upperBound..<end.lowerBound]) == actual.stdout,
            "regenerate the README block from `\(command)`")
    }

    /// The kube audit block runs on a saved-objects example, offline.
    @Test func readmeShowsTheRealKubeAuditOutput() throws {
        let readme = try String(contentsOfFile: "\(repositoryRoot)/README.md", encoding: .utf8)
        let command =
            "$ mtu-doctor kube audit --from-file examples/kube/cilium-transit-gateway.yaml --node-mtu 9001 --underlay-mtu 8500\n"
        let start = try #require(readme.range(of: command))
        let end = try #require(readme.range(of: "```\n", range: start.upperBound..<readme.endIndex))
        let actual = try run(
            "kube", "audit", "--from-file", "examples/kube/cilium-transit-gateway.yaml", "--node-mtu", "9001",
            "--underlay-mtu", "8500")
        #expect(actual.status == 1)
        #expect(
            String(readme[start.upperBound..<end.lowerBound]) == actual.stdout,
            "regenerate the README block from `\(command)`")
    }

    @Test func readmeFirstScreenHasTheTwoCommands() throws {
        let readme = try String(contentsOfFile: "\(repositoryRoot)/README.md", encoding: .utf8)
        let firstScreen = readme.split(separator: "\n", omittingEmptySubsequences: false).prefix(24).joined(
            separator: "\n")
        #expect(firstScreen.contains("swift run mtu-doctor check examples/nsx-geneve-firewall.yaml"))
        #expect(firstScreen.contains("swift test"))
        let ci = try String(contentsOfFile: "\(repositoryRoot)/.ci/run", encoding: .utf8)
        #expect(ci.contains("\nswift test\n"), ".ci/run must run the README's test command")
    }
}

@Suite("probe, serve and lab: bad input")
struct LiveCommandErrors {
    @Test(
        "bad input",
        arguments: [
            (["probe", "10.0.0.1", "--timeout", "5"], "--timeout must be 10–60000 ms"),
            (["probe", "10.0.0.1", "--max", "40"], "--max must be 68–65535"),
            (["probe", "fd00::1", "--lab-only"], "--lab-only"),
            (["lab", "up", "svii"], "unknown scenario 'svii' (did you mean 'svi'?)"),
            (["serve", "--allow", "10.0.0.0/33", "--duration", "0.1"], "--allow: expected a network"),
        ])
    func errors(arguments: [String], message: String) throws {
        let result = try runArray(arguments)
        #expect(result.status == 2, "\(arguments): \(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }
}

@Suite("capture analyze")
struct CaptureCLITests {
    @Test func analyzesALabCapture() throws {
        let result = try runArray([
            "capture", "analyze", "Tests/MTUCaptureTests/Fixtures/tls-stall-server.pcap", "--json",
        ])
        #expect(result.status == 1)
        let json = result.json
        #expect(json["verdict"] as? String == "blackhole")
        #expect(json["packets"] as? Int == 26)
        let findings = try #require(json["findings"] as? [[String: Any]])
        #expect(
            findings.contains {
                $0["kind"] as? String == "stalled-segment" && ($0["frames"] as? [Int])?.isEmpty == false
            })
    }

    @Test func badCaptureInput() throws {
        let missing = try runArray(["capture", "analyze", "nope.pcap"])
        #expect(missing.status == 2)
        #expect(missing.stderr == "mtu-doctor: error: nope.pcap: cannot open the file (No such file or directory)\n")
        let notCapture = try runArray(["capture", "analyze", "README.md"])
        #expect(notCapture.status == 2)
        #expect(notCapture.stderr.contains("README.md: not a pcap or pcapng file"))
    }
}

/// Markdown and HTML for the offline commands; the HTML rendered in headless Chromium (skipped when it is not
/// installed, except under CI where `.ci/run` installs it).
@Suite("Reports: markdown and HTML")
struct ReportFormatTests {
    static let chromiumMissing = Chromium.executable == nil && ProcessInfo.processInfo.environment["CI"] != "true"

    func temporary(_ name: String) -> String {
        NSTemporaryDirectory() + "mtud-report-\(getpid())-\(name)"
    }

    @Test func markdownForTickets() throws {
        let check = try run("check", "examples/nsx-geneve-firewall.yaml", "--format", "markdown")
        #expect(check.status == 1)
        #expect(check.stdout.hasPrefix("# mtu-doctor check nsx-geneve-firewall\n"))
        #expect(check.stdout.contains("**BLACK HOLE**"))
        #expect(check.stdout.contains("| direction | from → to | path MTU |"))
        #expect(check.stdout.contains("set mtu 9000"))
        let capture = try run(
            "capture", "analyze", "Tests/MTUCaptureTests/Fixtures/tls-stall-server.pcap", "--format", "markdown")
        #expect(capture.stdout.contains("frame.number in {20 23 24 25 26}"))
    }

    @Test func formatErrors() throws {
        let both = try run("check", "examples/nsx-geneve-firewall.yaml", "--json", "--format", "html")
        #expect(both.status == 2)
        #expect(both.stderr.contains("--json and --format html disagree"))
        let calc = try run("calc", "--mtu", "1500", "--encap", "vxlan", "--format", "html")
        #expect(calc.status == 2 && calc.stderr.contains("not available for calc"))
        let unwritable = try run(
            "check", "examples/nsx-geneve-firewall.yaml", "--format", "html", "-o", "/nonexistent/dir/report.html")
        #expect(
            unwritable.status == 2 && unwritable.stderr.contains("--output: cannot write /nonexistent/dir/report.html"))
    }

    /// The console check can fail: a page with a script error is caught.
    @Test(.disabled(if: chromiumMissing, "chromium is not installed"))
    func consoleErrorsAreSeen() throws {
        let html = temporary("error.html")
        let png = temporary("error.png")
        defer {
            try? FileManager.default.removeItem(atPath: html)
            try? FileManager.default.removeItem(atPath: png)
        }
        try "<html><body><script>console.error('boom'); notDefined();</script>page</body></html>".write(
            toFile: html, atomically: true, encoding: .utf8)
        let page = try Chromium.render(html, screenshot: png, width: 400, height: 300)
        #expect(page.consoleErrors.contains { $0.contains("boom") })
        #expect(page.consoleErrors.contains { $0.contains("Uncaught ReferenceError") })
    }

    @Test(
        "HTML in Chromium", .disabled(if: chromiumMissing, "chromium is not installed (apt-get install chromium)"),
        arguments: [
            (
                "check", ["check", "examples/nsx-geneve-firewall.yaml"], "blackhole",
                ["id=\"wall-hop\"", "fw-01", "1500"]
            ),
            (
                "capture", ["capture", "analyze", "Tests/MTUCaptureTests/Fixtures/tls-stall-server.pcap"], "blackhole",
                ["stalled-segment", "4148", "frame.number in {20 23 24 25 26}"]
            ),
            (
                "kube-audit",
                [
                    "kube", "audit", "--from-file", "examples/kube/cilium-transit-gateway.yaml", "--node-mtu", "9001",
                    "--underlay-mtu", "8500",
                ], "problems",
                ["id=\"finding-auto-mtu-exceeds-path\"", "--set MTU=8500", "eu-west-1b"]
            ),
        ])
    func htmlRendersInChromium(name: String, arguments: [String], verdict: String, mustContain: [String]) throws {
        let html = temporary("\(name).html")
        let png = temporary("\(name).png")
        defer {
            try? FileManager.default.removeItem(atPath: html)
            try? FileManager.default.removeItem(atPath: png)
        }
        let result = try runArray(arguments + ["--format", "html", "-o", html])
        #expect(result.status == 1, "\(result.stderr)")
        let source = try String(contentsOfFile: html, encoding: .utf8)
        #expect(
            !source.contains("http://") && !source.contains("https://") && !source.contains("<script"),
            "self-contained, nothing fetched")
        let page = try Chromium.render(html, screenshot: png)
        #expect(page.consoleErrors.isEmpty, "\(page.consoleErrors)")
        #expect(page.screenshot.starts(with: [0x89, 0x50, 0x4e, 0x47]), "a PNG screenshot")
        #expect(page.screenshot.count > 20_000)
        #expect(page.dom.contains("data-verdict=\"\(verdict)\""))
        for text in mustContain { #expect(page.dom.contains(text), "\(text)") }
    }
}

/// Every JSON document the examples produce validates against its schema in docs/schema/.
@Suite("JSON schemas")
struct JSONSchemaTests {
    static func schema(_ command: String) throws -> JSONSchema {
        try JSONSchema(file: "\(repositoryRoot)/docs/schema/\(command).schema.json")
    }

    static func document(_ arguments: [String]) throws -> Any {
        let result = try runArray(arguments + ["--json"])
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
    }

    @Test(
        arguments: try FileManager.default.contentsOfDirectory(atPath: "\(repositoryRoot)/examples").filter {
            $0.hasSuffix(".yaml")
        }.sorted())
    func checkExamplesValidate(example: String) throws {
        let errors = try Self.schema("check").validate(try Self.document(["check", "examples/\(example)"]))
        #expect(errors.isEmpty, "\(example): \(errors.prefix(5))")
    }

    @Test(arguments: ["tls-stall-server.pcap", "tls-ptb-server.pcap", "tls-stall-client.pcap"])
    func captureFixturesValidate(fixture: String) throws {
        let errors = try Self.schema("capture.analyze").validate(
            try Self.document(["capture", "analyze", "Tests/MTUCaptureTests/Fixtures/\(fixture)", "--mtu", "1500"]))
        #expect(errors.isEmpty, "\(fixture): \(errors.prefix(5))")
    }

    @Test(arguments: [
        ["--mtu", "9000", "--encap", "vxlan"], ["--mtu", "9001,aws-tgw", "--encap", "geneve:8", "--underlay", "ipv6"],
        ["--mtu", "1500", "--encap", "wireguard", "--packet", "1400"],
    ])
    func calcValidates(arguments: [String]) throws {
        let errors = try Self.schema("calc").validate(try Self.document(["calc"] + arguments))
        #expect(errors.isEmpty, "\(arguments): \(errors.prefix(5))")
    }

    /// The validator can fail: a missing field, a wrong type and a value outside an enum are all reported.
    @Test func violationsAreReported() throws {
        var document = try #require(
            try Self.document(["check", "examples/nsx-geneve-firewall.yaml"]) as? [String: Any])
        document["verdict"] = "sometimes"
        document["topology"] = 42
        document.removeValue(forKey: "findings")
        let errors = try Self.schema("check").validate(document)
        #expect(errors.contains { $0.contains("$.verdict") })
        #expect(errors.contains { $0.contains("$.topology: expected string") })
        #expect(errors.contains { $0.contains("missing required \"findings\"") })
    }
}

/// Help, completions and the man pages.
@Suite("Help and shell integration")
struct HelpTests {
    static let commands = [
        "", "calc", "check", "probe", "serve", "diagnose", "capture", "capture analyze", "agent", "kube", "kube mesh",
        "kube deploy", "lab", "lab up", "lab down", "lab list", "lab demo",
    ]

    @Test(arguments: commands)
    func everyCommandHasExamples(command: String) throws {
        let result = try runArray(command.split(separator: " ").map(String.init) + ["--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("Examples:"), "mtu-doctor \(command) --help")
    }

    @Test(arguments: ["bash", "zsh", "fish"])
    func completions(shell: String) throws {
        let result = try run("--generate-completion-script", shell)
        #expect(result.status == 0)
        #expect(result.stdout.contains("diagnose") && result.stdout.contains("--format"))
        let committed = try String(
            contentsOfFile: "\(repositoryRoot)/docs/completions/mtu-doctor.\(shell)", encoding: .utf8)
        #expect(committed == result.stdout, "regenerate with scripts/gen-docs.sh")
    }

    @Test(arguments: commands.filter { !$0.isEmpty })
    func manPages(command: String) throws {
        let page = "\(repositoryRoot)/docs/man/mtu-doctor.\(command.replacingOccurrences(of: " ", with: ".")).1"
        let text = try String(contentsOfFile: page, encoding: .utf8)
        #expect(text.contains(".Sh NAME"), "\(page) (regenerate with scripts/gen-docs.sh)")
        let help = try runArray(command.split(separator: " ").map(String.init) + ["--help"]).stdout
        // Every long option the command takes is in its page (mdoc writes --name as "Fl -name").
        let options = Set(help.matches(of: /--([a-z0-9][a-z0-9-]*)/).map { String($0.output.1) }).subtracting(["help"])
        #expect(!options.isEmpty || ["capture", "lab", "lab list", "kube"].contains(command))
        for option in options {
            #expect(text.contains("Fl -\(option)") || text.contains("-\(option)"), "\(page) lacks --\(option)")
        }
    }
}

@Suite("diagnose: bad input")
struct DiagnoseInputTests {
    @Test(arguments: [
        (["diagnose", "ftp://x"], "TARGET: scheme 'ftp' is not supported"),
        (["diagnose", "10.0.0.1:99999"], "TARGET: bad port in '10.0.0.1:99999'"),
        (["diagnose", ":443"], "TARGET: empty host in ':443'"),
        (["diagnose", "10.77.3.2", "--topology", "nope.yaml"], "--topology: cannot read nope.yaml"),
        (["diagnose", "10.77.3.2", "--flow", "api"], "--flow needs --topology"),
        (["diagnose", "10.77.3.2", "--timeout", "5"], "--timeout must be 10–60000 ms, got 5"),
        (["diagnose", "10.77.3.2", "--format", "pdf"], "--format"),
    ])
    func oneLineErrors(arguments: [String], message: String) throws {
        let result = try runArray(arguments + ["--lab-only"])
        #expect(result.status == 2)
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count <= 3, "short: \(result.stderr)")
        #expect(result.stdout.isEmpty)
    }
}

@Suite("kube and agent: command line")
struct KubeCLITests {
    @Test func deployDryRunAndBadKubeconfig() throws {
        let apply = try run("kube", "deploy", "--kubeconfig", "/nonexistent/kubeconfig")
        #expect(apply.status == 2)
        #expect(apply.stderr == "mtu-doctor: error: --kubeconfig /nonexistent/kubeconfig: cannot read the file\n")
        let printed = try run(
            "kube", "deploy", "--dry-run", "--namespace", "netcheck", "--image", "example/mtu-doctor:1")
        #expect(printed.status == 0)
        #expect(
            printed.stdout.contains("namespace: netcheck") && printed.stdout.contains("image: example/mtu-doctor:1"))
        let bad = try run("kube", "deploy", "--dry-run", "--namespace", "Not_A_Name")
        #expect(bad.status == 2 && bad.stderr.contains("--namespace: 'Not_A_Name'"))
    }

    @Test func kubectlPluginName() throws {
        let link = NSTemporaryDirectory() + "mtud-plugin-\(getpid())/kubectl-mtu"
        try FileManager.default.createDirectory(
            atPath: (link as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: (link as NSString).deletingLastPathComponent) }
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: binary)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: link)
        process.arguments = ["deploy", "--dry-run"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = Pipe()
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(String(decoding: data, as: UTF8.self).contains("kind: DaemonSet"))
    }

    @Test(arguments: [
        (["agent"], "give --peers, --dns or --kube-selector"),
        (["agent", "--peers", "n1=nonsense"], "--peers: 'n1=nonsense' is not NAME=ADDRESS"),
        (["agent", "--peers", "10.0.0.1", "--allow", "10.0.0.0/99"], "--allow: '10.0.0.0/99' is not a CIDR network"),
        (["agent", "--peers", "10.0.0.1", "--pps", "0"], "--pps must be 1–10000"),
        (["kube", "mesh", "--peers", "10.0.0.1:notaport"], "--peers: bad port"),
        (
            ["kube", "mesh", "--network", "hots"],
            "--network: unknown network 'hots' (did you mean 'host'?); known: pod, host"
        ),
    ])
    func badInput(arguments: [String], message: String) throws {
        let result = try runArray(arguments)
        #expect(result.status == 2)
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }

    /// An agent that cannot be reached is reported, not waited for forever.
    @Test func meshWithNoAgentReachable() throws {
        let result = try run("kube", "mesh", "--peers", "127.0.0.1:1", "--timeout", "500", "--json")
        #expect(result.status == 1)
        #expect((result.json["summary"] as? String)?.contains("agents not reached") == true)
    }
}
