import Foundation
import MTUTestSupport
import Testing

/// deploy/monitoring: alerting rules and a dashboard that use only series the agents export, checked and unit-tested
/// with promtool (issue 14's alerts and dashboard).
@Suite("Monitoring: alerts and dashboard")
struct MonitoringTests {
    static let root = TestSupport.repositoryRoot
    static let underCI = ProcessInfo.processInfo.environment["CI"] == "true"
    static let promtool = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    static func read(_ path: String) throws -> String { try String(contentsOfFile: "\(root)/\(path)", encoding: .utf8) }

    static func names(in text: String) -> Set<String> {
        let pattern = try! NSRegularExpression(pattern: "mtu_doctor_[a-z_]+")
        let range = NSRange(text.startIndex..., in: text)
        return Set(
            pattern.matches(in: text, range: range).compactMap { Range($0.range, in: text).map { String(text[$0]) } })
    }

    /// Every series the agent exports, from the code that exports them.
    static func exported() throws -> Set<String> {
        let source = try read("Sources/MTUAgent/Agent.swift")
        let pattern = try NSRegularExpression(pattern: #"registry\.(?:gauge|counter)\(\s*"(mtu_doctor_[a-z_]+)""#)
        let range = NSRange(source.startIndex..., in: source)
        return Set(
            pattern.matches(in: source, range: range).compactMap {
                Range($0.range(at: 1), in: source).map { String(source[$0]) }
            })
    }

    @Test func everySeriesNamedIsExported() throws {
        let exported = try Self.exported()
        #expect(exported.count >= 15)
        for file in [
            "deploy/monitoring/alerts.yaml", "deploy/monitoring/dashboard.json", "deploy/monitoring/alerts.test.yaml",
        ] {
            let used = Self.names(in: try Self.read(file))
            #expect(!used.isEmpty, "\(file) names no series")
            #expect(
                used.subtracting(exported).isEmpty,
                "\(file) uses series no agent exports: \(used.subtracting(exported).sorted())")
        }
        let dashboard =
            try JSONSerialization.jsonObject(with: Data(Self.read("deploy/monitoring/dashboard.json").utf8))
            as? [String: Any]
        let panels = dashboard?["panels"] as? [[String: Any]] ?? []
        #expect(
            panels.contains {
                ($0["type"] as? String) == "table" && (($0["title"] as? String)?.contains("matrix") ?? false)
            })
        #expect(panels.allSatisfy { !(($0["targets"] as? [[String: Any]])?.isEmpty ?? true) })
    }

    @Test func thePrometheusRuleCarriesTheSameRules() throws {
        let alerts = try Self.read("deploy/monitoring/alerts.yaml")
        let rule = try Self.read("deploy/monitoring/podmonitor.yaml")
        let groups = String(alerts[alerts.range(of: "groups:\n")!.upperBound...])
        let embedded = String(rule[rule.range(of: "  groups:\n")!.upperBound...])
            .split(separator: "\n", omittingEmptySubsequences: false).map {
                $0.hasPrefix("    ") ? String($0.dropFirst(4)) : String($0)
            }.joined(separator: "\n")
        #expect(embedded == groups)
    }

    @Test(.enabled(if: promtool != nil || underCI, "promtool (Debian: prometheus) is not installed"))
    func promtoolChecksAndTestsTheRules() throws {
        let promtool = try #require(Self.promtool, "promtool is required under CI")
        for arguments in [["check", "rules", "alerts.yaml"], ["test", "rules", "alerts.test.yaml"]] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: promtool)
            process.arguments = arguments
            process.currentDirectoryURL = URL(fileURLWithPath: "\(Self.root)/deploy/monitoring")
            let output = Pipe()
            process.standardOutput = output
            process.standardError = output
            try process.run()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "promtool \(arguments.joined(separator: " ")): \(text)")
        }
    }
}

/// The manifests name the release's image, never a floating tag, and it is the version the binary reports.
@Suite("Manifests: image")
struct ManifestImageTests {
    @Test func theImageIsTheReleaseNotLatest() throws {
        let manifest = try String(
            contentsOfFile: "\(TestSupport.repositoryRoot)/deploy/mtu-doctor.yaml", encoding: .utf8)
        let buildInfo = try String(
            contentsOfFile: "\(TestSupport.repositoryRoot)/Sources/mtu-doctor/Support/BuildInfo.swift", encoding: .utf8)
        let version = try #require(
            buildInfo.split(separator: "\n").first { $0.contains("static let version") }?.split(separator: "\"")
                .dropFirst().first)
        #expect(!manifest.contains(":latest"))
        #expect(manifest.contains("image: mtu-doctor:\(version)"))
    }
}

/// The Containerfile (for users with a registry; not buildable here: no daemon can run its builder) gives the layout
/// scripts/image.sh makes with buildah, which the image tests run under the pod's security context.
@Suite("Containerfile: the same layout as scripts/image.sh")
struct ContainerfileTests {
    @Test func sameUserEntrypointAndFiles() throws {
        let containerfile = try String(contentsOfFile: "\(TestSupport.repositoryRoot)/Containerfile", encoding: .utf8)
        let script = try String(contentsOfFile: "\(TestSupport.repositoryRoot)/scripts/image.sh", encoding: .utf8)
        let stages = containerfile.split(separator: "\n").filter { $0.hasPrefix("FROM ") }
        #expect(stages.count == 2 && stages.last == "FROM scratch", "a builder, then a runtime from scratch: \(stages)")
        #expect(containerfile.contains("--static-swift-stdlib"))
        #expect(containerfile.contains("USER 65532:65532") && script.contains("--user 65532:65532"))
        #expect(
            containerfile.contains(#"ENTRYPOINT ["/usr/local/bin/mtu-doctor"]"#)
                && script.contains(#"--entrypoint '["/usr/local/bin/mtu-doctor"]'"#))
        for shared in [
            "/usr/local/bin/kubectl-mtu", "/usr/bin/tcpdump", "/usr/sbin/ip", "/etc/ssl/certs/ca-certificates.crt",
            "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt",
            "mtu-doctor:x:65532:65532:mtu-doctor:/nonexistent:/sbin/nologin", "org.opencontainers.image.title",
            "WORKDIR /tmp",
        ] {
            let inScript =
                shared == "WORKDIR /tmp"
                ? script.contains("--workingdir /tmp")
                : script.contains(shared)
                    || script.contains(shared.replacingOccurrences(of: "/usr/local/bin/", with: ""))
            #expect(containerfile.contains(shared) && inScript, "\(shared)")
        }
        #expect(!containerfile.contains(":latest"))
        // CAP_NET_RAW as a permitted-only file capability in both (never +ep: it would not start without NET_RAW).
        #expect(
            containerfile.contains("setcap cap_net_raw=p /rootfs/usr/local/bin/mtu-doctor")
                && script.contains(#"setcap cap_net_raw=p "$root/usr/local/bin/mtu-doctor""#))
        for text in [containerfile, script] {
            #expect(
                !text.split(separator: "\n").contains {
                    $0.contains("setcap") && ($0.contains("+ep") || $0.contains("=ep")) && !$0.hasPrefix("#")
                })
        }
    }
}
