#if os(Linux)
import Foundation
import Glibc
import MTUCapture
import MTUConfig
import MTUCore
import MTUProbe
import MTUSystem

/// How `diagnose` runs its battery.
public struct DiagnoseOptions: Sendable {
    public var timeoutMilliseconds = 1000
    /// Record the probe traffic with tcpdump and analyse it.
    public var capture = false
    /// Keep the capture file at this path (otherwise it is removed).
    public var captureFile: String?
    /// Compare with what this topology file says.
    public var topologyPath: String?
    public var flow: String?
    /// Force (or skip) the TLS steps; nil: TLS for https:// URLs and ports 443/6443.
    public var tls: Bool?
    public var socket: ProbeOptions.SocketKind = .auto
    /// Leave a path MTU this host learned toward the target in place (see ``ProbeOptions/keepLearnedPMTU``).
    public var keepLearnedPMTU = false
    public var progress: (@Sendable (String) -> Void)?

    public init() {}
}

/// Why `diagnose` could not run at all (bad input, no privilege): exit 2 or 77, one line.
public struct DiagnoseError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public var exitCode: Int32
}

/// Runs the tests in order — DNS, TCP, plain request, TLS, forward and reverse DF search, wall location, ICMP fate,
/// host facts, optionally a capture and a topology comparison — and hands the evidence to ``Diagnoser``.
public enum DiagnoseRunner {
    /// Splits `https://host:port/…`, `host:port`, `[v6]:port` or `host` into host, port and whether to speak TLS.
    public static func parse(_ target: String) throws(DiagnoseError) -> (host: String, port: UInt16?, tls: Bool) {
        let parsed = try parseAddressAndPort(target)
        if let literal = ProbeAddress(parsed.host) {
            do throws(ProbeError) { _ = try Probe.unicast(literal, name: parsed.host) } catch {
                throw DiagnoseError(description: "TARGET: \(error.message)", exitCode: 2)
            }
        }
        return parsed
    }

    static func parseAddressAndPort(_ target: String) throws(DiagnoseError) -> (host: String, port: UInt16?, tls: Bool)
    {
        if target.contains("://") {
            guard let url = URL(string: target), let host = url.host, !host.isEmpty else {
                throw DiagnoseError(description: "TARGET: cannot read '\(target)' as a URL", exitCode: 2)
            }
            let scheme = url.scheme?.lowercased() ?? ""
            guard ["https", "http", "tcp"].contains(scheme) else {
                throw DiagnoseError(
                    description: "TARGET: scheme '\(scheme)' is not supported (use https://, http:// or host:port)",
                    exitCode: 2)
            }
            let port = url.port.map { UInt16(clamping: $0) } ?? (scheme == "https" ? 443 : scheme == "http" ? 80 : nil)
            return (host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")), port, scheme == "https")
        }
        var host = target
        var port: UInt16?
        if target.hasPrefix("["), let close = target.firstIndex(of: "]") {
            host = String(target[target.index(after: target.startIndex)..<close])
            let rest = target[target.index(after: close)...]
            if rest.hasPrefix(":") {
                guard let value = UInt16(rest.dropFirst()), value > 0 else {
                    throw DiagnoseError(description: "TARGET: bad port in '\(target)'", exitCode: 2)
                }
                port = value
            }
        } else if target.filter({ $0 == ":" }).count == 1, let colon = target.lastIndex(of: ":") {
            host = String(target[..<colon])
            guard let value = UInt16(target[target.index(after: colon)...]), value > 0 else {
                throw DiagnoseError(description: "TARGET: bad port in '\(target)' (1–65535)", exitCode: 2)
            }
            port = value
        }
        guard !host.isEmpty else { throw DiagnoseError(description: "TARGET: empty host in '\(target)'", exitCode: 2) }
        return (host, port, port == 443 || port == 6443)
    }

    public static func run(target: String, options: DiagnoseOptions) throws(DiagnoseError) -> Diagnosis {
        let (host, port, defaultTLS) = try parse(target)
        let useTLS = (options.tls ?? defaultTLS) && port != nil
        var evidence = DiagnosisEvidence(target: host)
        evidence.port = port.map(Int.init)
        // Topology first: a bad file is bad input, before any packet is sent.
        var topology: Topology?
        if let path = options.topologyPath {
            do throws(TopologyError) {
                topology = try TopologyLoader.load(path: path)
            } catch {
                throw DiagnoseError(description: error.description, exitCode: 2)
            }
        }

        // 1. DNS
        guard let address = resolveStep(&evidence, host: host, options: options) else {
            return Diagnoser.diagnose(evidence)
        }
        evidence.address = address.description
        guard let interface = HostFacts.routeInterface(to: address.description) else {
            throw DiagnoseError(description: "TARGET: no route to \(address) from this host", exitCode: 2)
        }

        recordHost(&evidence, interface: interface, address: address)

        // Capture, around everything that sends packets.
        var recorder: CaptureRecorder?
        if options.capture {
            options.progress?("capture: tcpdump on \(interface)")
            recorder = try CaptureRecorder.start(
                interface: interface, address: address.description, keepAt: options.captureFile)
        }
        defer { recorder?.discard() }

        // 2–4. TCP, plain request, TLS (before any DF probe: PTBs would teach this host the path MTU).
        if let port, !useTLS {
            options.progress?("tcp: connecting to \(address):\(port)")
            let connect = AppSignature.tcpConnect(
                address: address, port: port, timeoutMilliseconds: Swift.max(options.timeoutMilliseconds * 3, 3000))
            evidence.application = .init(tcpConnected: connect != nil, connectMs: connect)
            evidence.steps.append(
                .init(
                    name: "TCP connect", outcome: connect == nil ? .failed : .passed,
                    detail: connect.map { "port \(port) connects in \($0) ms" } ?? "port \(port) does not connect",
                    milliseconds: connect))
        }
        let probeOptions = Self.probeOptions(options, tlsPort: useTLS ? port : nil)
        let report: ProbeReport
        do throws(ProbeError) {
            report = try Probe.run(target: host, options: probeOptions)
        } catch {
            throw DiagnoseError(description: error.message, exitCode: error.code == .noPrivilege ? 77 : 2)
        }
        if let tls = report.tls { recordApplication(&evidence, tls: tls) }
        recordPaths(&evidence, report: report)

        if var recorder { recordCapture(&evidence, recorder: &recorder, options: options) }

        if let topology, let path = options.topologyPath {
            try recordTopology(&evidence, topology, path: path, flow: options.flow, address: address)
        }
        return Diagnoser.diagnose(evidence)
    }

    /// The name resolved (timed), or nil when it does not resolve: then the DNS step is the whole diagnosis.
    static func resolveStep(_ evidence: inout DiagnosisEvidence, host: String, options: DiagnoseOptions)
        -> ProbeAddress?
    {
        options.progress?("dns: resolving \(host)")
        let clock = ContinuousClock()
        let start = clock.now
        func ms() -> Int { Int((clock.now - start).inMilliseconds) }
        let literal = ProbeAddress(host) != nil
        do throws(ProbeError) {
            let address = try Probe.resolve(host).address
            evidence.dns = .init(literal: literal, resolved: true, milliseconds: ms())
            evidence.steps.append(
                .init(
                    name: "DNS", outcome: literal ? .skipped : .passed,
                    detail: literal ? "\(host) is an address" : "\(host) → \(address)",
                    milliseconds: literal ? nil : ms()))
            return address
        } catch {
            evidence.dns = .init(literal: false, resolved: false, milliseconds: ms(), error: error.message)
            evidence.steps.append(.init(name: "DNS", outcome: .failed, detail: error.message, milliseconds: ms()))
            return nil
        }
    }

    /// The probe battery's options: diagnose's timeout and socket, the TLS signature and the reverse by the
    /// server's own TLS flight when the target speaks TLS.
    static func probeOptions(_ options: DiagnoseOptions, tlsPort: UInt16?) -> ProbeOptions {
        var probeOptions = ProbeOptions()
        probeOptions.timeoutMilliseconds = options.timeoutMilliseconds
        probeOptions.socket = options.socket
        probeOptions.keepLearnedPMTU = options.keepLearnedPMTU
        probeOptions.progress = options.progress
        if let tlsPort {
            probeOptions.tlsPort = tlsPort
            probeOptions.reverseTLS = true
        }
        return probeOptions
    }

    /// What the topology file expects of this path, next to what was measured.
    static func recordTopology(
        _ evidence: inout DiagnosisEvidence, _ topology: Topology, path: String, flow: String?, address: ProbeAddress
    ) throws(DiagnoseError) {
        evidence.topology = try compare(topology, path: path, flow: flow, address: address.description)
        if let compared = evidence.topology {
            evidence.steps.append(
                .init(
                    name: "Topology", outcome: .info,
                    detail:
                        "\(path): flow \(compared.flow) expects path MTU \(compared.expectedPathMTU) (bottleneck \(compared.bottleneckText))"
                ))
        }
    }

    /// What this host says before anything is probed (the route cache may change while we probe).
    static func recordHost(_ evidence: inout DiagnosisEvidence, interface: String, address: ProbeAddress) {
        evidence.host.interface = interface
        evidence.host.interfaceMTU = HostFacts.interfaceMTU(interface)
        evidence.host.rpFilter = address.isIPv6 ? nil : HostFacts.rpFilter(interface: interface)
        evidence.host.tcpMTUProbing = HostFacts.sysctl("net/ipv4/tcp_mtu_probing")
        let clamps = HostFacts.mssClamps()
        evidence.host.mssClamps = clamps.rules.map { .init(rule: $0.rule, mss: $0.mss) }
        evidence.host.mssClampsKnown = clamps.known
        evidence.host.tunnels = HostFacts.tunnelDevices().map { device in
            .init(name: device.name, kind: device.kind, mtu: device.mtu, overhead: Self.overhead(kind: device.kind))
        }
        evidence.host.inPod = HostFacts.inKubernetesPod()
        evidence.steps.append(
            .init(
                name: "Host", outcome: .info,
                detail:
                    "route via \(interface) (MTU \(evidence.host.interfaceMTU.map(String.init) ?? "?")), rp_filter \(evidence.host.rpFilter.map(String.init) ?? "n/a"), tcp_mtu_probing \(evidence.host.tcpMTUProbing.map(String.init) ?? "?"), \(clamps.rules.isEmpty ? (clamps.known ? "no MSS clamp" : "MSS clamps unknown") : "\(clamps.rules.count) MSS clamp rule(s)")\(evidence.host.tunnels.isEmpty ? "" : ", tunnels: " + evidence.host.tunnels.map { "\($0.name) (\($0.kind), \($0.mtu))" }.joined(separator: ", "))"
            ))
    }

    /// The application signature the probe took on the TLS port: connect, a plain request, the handshake.
    static func recordApplication(_ evidence: inout DiagnosisEvidence, tls: TLSSignature) {
        var application = DiagnosisEvidence.Application(
            tcpConnected: tls.connectMs != nil, connectMs: tls.connectMs, plainHTTPStatus: tls.plainHTTPStatus,
            tlsHandshake: tls.handshake == .unreachable && tls.connectMs != nil ? .failed : tls.handshake)
        application.tlsDetail = tls.conclusion
        application.tlsBytesReceived = tls.bytesReceived
        application.certificateBytes = tls.certificateBytes
        application.handshakeMs = tls.handshakeMs
        evidence.application = application
        evidence.steps.append(
            .init(
                name: "TCP connect", outcome: tls.connectMs == nil ? .failed : .passed,
                detail: tls.connectMs.map { "port \(tls.port) connects in \($0) ms" }
                    ?? "port \(tls.port) does not connect", milliseconds: tls.connectMs))
        if tls.connectMs != nil {
            evidence.steps.append(
                .init(
                    name: "Plain request", outcome: tls.plainHTTPStatus == nil ? .info : .passed,
                    detail: tls.plainHTTPStatus.map {
                        "plain HTTP to the TLS port: HTTP \($0) (\(tls.plainHTTPBytes) bytes)"
                    } ?? "no HTTP answer to a plain request"))
            evidence.steps.append(
                .init(
                    name: "TLS handshake",
                    outcome: tls.handshake == .ok ? .passed : tls.handshake == .stalled ? .failed : .warning,
                    detail: tls.conclusion, milliseconds: tls.handshakeMs))
        }
    }

    /// Both directions as the probe measured them, with what happened to the ICMP and what the host had learned.
    static func recordPaths(_ evidence: inout DiagnosisEvidence, report: ProbeReport) {
        evidence.forward = Self.side(report.forward)
        evidence.steps.append(
            .init(
                name: "Forward DF search",
                outcome: [.ok].contains(report.forward.verdict)
                    ? .passed : report.forward.verdict == .ptb ? .warning : .failed,
                detail: report.forward.explanation + " (\(report.probesSent) probes)"))
        if let wall = report.forward.wall {
            evidence.steps.append(
                .init(
                    name: "Wall location", outcome: .info,
                    detail:
                        "large packets reach \(wall.lastGoodHop ?? "?") and never \(wall.firstBadHop ?? "?") (TTL \(wall.ttl.map(String.init) ?? "?"))"
                ))
        }
        if report.forward.verdict == .blackhole || report.forward.verdict == .ptb {
            let fate =
                report.forward.verdict == .ptb
                ? "an ICMP \"too big\" from \(report.forward.ptb?.source ?? "?") reached this host"
                : report.forward.rpFilterDrops > 0
                    ? "an ICMP arrived and this host's rp_filter dropped it (\(report.forward.rpFilterDrops))"
                    : "no ICMP reached this host"
            evidence.steps.append(
                .init(name: "ICMP fate", outcome: report.forward.verdict == .ptb ? .info : .failed, detail: fate))
        }
        if let learned = report.learned {
            evidence.host.learnedPMTU = learned.mtu
            evidence.host.learnedPMTUSetAside = learned.setAside
            evidence.steps.append(
                .init(
                    name: "Learned PMTU", outcome: learned.setAside ? .info : .warning,
                    detail:
                        "this host had learned \(learned.mtu) toward the target\(learned.expiresSeconds.map { " (\($0) s left)" } ?? ""): "
                        + (learned.setAside
                            ? "set aside before measuring (ip route flush cache), so the TCP tests saw a cold path"
                            : "kept (--keep-learned-pmtu or no CAP_NET_ADMIN): TCP tests could not measure above it")))
        }
        var reverse = DiagnosisEvidence.PathSide(
            verdict: report.reverse.verdict ?? .notMeasured, method: .reverse(report.reverse.method),
            pathMTU: report.reverse.pathMTU)
        reverse.explanation = report.reverse.explanation
        reverse.measuredUpTo = report.reverse.measuredUpTo
        evidence.reverse = reverse
        evidence.steps.append(
            .init(
                name: "Reverse",
                outcome: reverse.verdict == .ok ? .passed : reverse.verdict == .notMeasured ? .skipped : .failed,
                detail: report.reverse.explanation))
    }

    /// The capture taken around the probes, read by the capture analyser.
    static func recordCapture(
        _ evidence: inout DiagnosisEvidence, recorder: inout CaptureRecorder, options: DiagnoseOptions
    ) {
        options.progress?("capture: analysing")
        let file = recorder.stop()
        recorder.keep = options.captureFile != nil
        var analyzer = CaptureAnalyzer()
        do throws(CaptureReader.FormatError) {
            var reader = try CaptureReader(source: try CaptureFile(path: file))
            analyzer.add(&reader, name: options.captureFile ?? "probe capture")
            let analysis = analyzer.report()
            evidence.capture = .init(
                file: options.captureFile ?? "(temporary)", packets: analysis.packets,
                verdict: analysis.verdict,
                conclusion: analysis.conclusion,
                kinds: analysis.findings.map(\.kind), ptbMTUs: analysis.findings.compactMap { $0.proof?.ptb?.mtu })
            evidence.steps.append(
                .init(
                    name: "Capture", outcome: .info, detail: "\(analysis.packets) packets: \(analysis.conclusion)")
            )
        } catch {
            evidence.steps.append(
                .init(
                    name: "Capture", outcome: .warning, detail: "could not read the capture: \(error.description)")
            )
        }
        recorder.discard()
    }

    static func overhead(kind: String) -> Int? {
        switch kind {
        case "vxlan", "geneve": return 50
        case "wireguard": return 60
        case "ipip", "sit", "vti", "xfrm": return 20
        case "gre": return 24
        case "gretap": return 38
        case "ip6tnl", "ip6gre": return 40
        default: return nil
        }
    }

    static func side(_ forward: ProbeReport.Forward) -> DiagnosisEvidence.PathSide {
        var side = DiagnosisEvidence.PathSide(
            verdict: forward.verdict, method: .forward(forward.socket), pathMTU: forward.pathMTU)
        side.firstFailing = forward.measuredWall.smallestFailing
        side.ptbMTU = forward.ptb?.mtu
        side.ptbSource = forward.ptb?.source
        side.ptbRPFRisk = forward.ptb?.rpfRisk ?? false
        side.ptbImplausible = forward.ptb?.implausible ?? false
        side.rpFilterDrops = forward.rpFilterDrops
        side.location = forward.wall
        side.localMTU = forward.localMTU
        side.cachedPMTU = forward.cachedPMTU
        side.measuredUpTo = forward.measuredUpTo
        side.echoRepliesLostAbove = forward.echoRepliesLostAbove
        side.ladder = forward.ladder.map(DiagnosisEvidence.Rung.init)
        side.explanation = forward.explanation
        return side
    }

    /// The flow in the topology that goes to `address` (or the one named), analysed.
    static func compare(_ topology: Topology, path: String, flow name: String?, address: String) throws(DiagnoseError)
        -> DiagnosisEvidence.Topology
    {
        var model = topology
        let flow: Flow
        if let name {
            guard let named = model.flows.first(where: { $0.name == name }) else {
                throw DiagnoseError(
                    description:
                        "--flow: no flow named '\(name)' in \(path)\(Suggestion.didYouMean(name, in: model.flows.map(\.name)))",
                    exitCode: 2)
            }
            flow = named
        } else {
            let owners = Set(
                model.nodes.filter { node in
                    node.interfaces.contains { $0.addresses.contains { $0.address.description == address } }
                }.map(\.name))
            guard let found = model.flows.first(where: { owners.contains($0.to) }) else {
                throw DiagnoseError(
                    description:
                        "--topology: no flow in \(path) goes to a node with address \(address); name one with --flow (flows: \(model.flows.map(\.name).joined(separator: ", ")))",
                    exitCode: 2)
            }
            flow = found
        }
        model.flows = [flow]
        let report: CheckReport
        do throws(TopologyError) {
            report = try Analyzer.check(model)
        } catch {
            throw DiagnoseError(description: error.description, exitCode: 2)
        }
        guard let result = report.flows.first, let leg = result.legs.first else {
            throw DiagnoseError(description: "--topology: flow \(flow.name) has no path in \(path)", exitCode: 2)
        }
        let bottleneck = leg.forward.bottleneck
        let displayed = model.nodes.first { $0.name == bottleneck.node }?.interfaces.first {
            $0.name == bottleneck.interface
        }?.mtu
        var compared = DiagnosisEvidence.Topology(
            file: path, flow: flow.name, expectedPathMTU: leg.forward.pathMTU,
            bottleneck: bottleneck, displayedMTU: displayed == bottleneck.mtu ? nil : displayed,
            expectedVerdict: leg.forward.verdict)
        compared.findings = report.findings
        return compared
    }
}

/// tcpdump around the probes: started on the route interface, stopped by PID.
struct CaptureRecorder {
    let process: Process
    let path: String
    var keep = false

    static func start(interface: String, address: String, keepAt: String?) throws(DiagnoseError) -> CaptureRecorder {
        guard
            let tcpdump = ["/usr/bin/tcpdump", "/usr/sbin/tcpdump", "/sbin/tcpdump"].first(
                where: FileManager.default.isExecutableFile)
        else {
            throw DiagnoseError(description: "--capture needs tcpdump (apt-get install tcpdump)", exitCode: 2)
        }
        let path =
            keepAt ?? NSTemporaryDirectory() + "mtud-diagnose-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).pcap"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tcpdump)
        let family = address.contains(":") ? "icmp6" : "icmp"
        // --immediate-mode: packets reach the file as they arrive, not when a one-second buffer block retires — a
        // capture stopped right after the probes would otherwise lose its last (or only) block.
        // -Z root as root: Debian's tcpdump otherwise switches to a "tcpdump" user, which a container image (ours
        // included) need not have — it would refuse to start.
        let stayRoot = geteuid() == 0 ? ["-Z", "root"] : []
        process.arguments =
            ["--immediate-mode"] + stayRoot + [
                "-i", interface, "-U", "-s", "0", "-w", path, "host \(address) or \(family)",
            ]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw DiagnoseError(
                description: "--capture: cannot start tcpdump: \(error.localizedDescription)", exitCode: 2)
        }
        // Wait until tcpdump listens (it says so on stderr), at most 3 s.
        let deadline = Date().addingTimeInterval(3)
        var said = Data()
        let handle = errors.fileHandleForReading
        let fd = handle.fileDescriptor
        while Date() < deadline, !String(decoding: said, as: UTF8.self).contains("listening on") {
            guard Syscall.wait(fd, for: POLLIN, milliseconds: 100) else {
                if !process.isRunning { break } else { continue }
            }
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            said += chunk
        }
        guard process.isRunning else {
            throw DiagnoseError(
                description:
                    "--capture: tcpdump did not start: \(String(decoding: said, as: UTF8.self).split(separator: "\n").last ?? "no message") (root or CAP_NET_RAW needed)",
                exitCode: 2)
        }
        return CaptureRecorder(process: process, path: path, keep: keepAt != nil)
    }

    /// Stops tcpdump (by PID) and returns the file. SIGINT first; a parent may have left signals blocked (test
    /// runners do, and the mask is inherited), so after a second SIGKILL: with -U every packet is already on disk.
    func stop() -> String {
        if process.isRunning {
            usleep(200_000)  // the last replies and ICMP
            kill(process.processIdentifier, SIGINT)
            for _ in 0..<20 where process.isRunning { usleep(50_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        return path
    }

    func discard() {
        _ = stop()
        if !keep { try? FileManager.default.removeItem(atPath: path) }
    }
}
#endif
