import Foundation
import MTUCore

/// A lab failure: a command that did not work, with its output.
public struct LabError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Options for building a lab.
public struct LabOptions: Sendable {
    /// The forward wall (bytes); the scenario's default when nil.
    public var wall: Int?
    /// The reverse wall when it differs (asymmetric); `wall` when nil.
    public var reverseWall: Int?
    /// The namespace prefix; a fresh random one when nil.
    public var prefix: String?
    /// For overlays: the outer DF (`set`, `unset`, `inherit`).
    public var outerDF: String?
    /// Start an HTTPS server (a certificate chain over 4 KB; plain HTTP gets a 400) on the server, port 443.
    public var https: Bool
    /// Overlay scenarios: the underlay's return path goes through a second router (`router-back`), which carries
    /// the reverse wall: an asymmetric path, not only asymmetric MTUs.
    public var asymmetric = false

    /// mesh: how many hosts (split between the two subnets).
    public var nodes = 4
    /// twoway: what each direction's wall does to a packet too large for it.
    public var forwardFate: WallFate = .ptb
    public var reverseFate: WallFate = .ptb

    public init(
        wall: Int? = nil, reverseWall: Int? = nil, prefix: String? = nil, outerDF: String? = nil, https: Bool = false,
        asymmetric: Bool = false,
        nodes: Int = 4, forwardFate: WallFate = .ptb, reverseFate: WallFate = .ptb
    ) {
        self.forwardFate = forwardFate
        self.reverseFate = reverseFate
        self.nodes = nodes
        self.asymmetric = asymmetric
        self.wall = wall
        self.reverseWall = reverseWall
        self.prefix = prefix
        self.outerDF = outerDF
        self.https = https
    }
}

/// The scenarios, each reproducing one shape of the field incidents.
public enum LabScenario: String, Sendable, CaseIterable {
    case ok, svi
    case sviRPF = "svi-rpf"
    case blackhole, overlay, tgw, mesh, twoway

    public var summary: String {
        switch self {
        case .ok: return "consistent 9000-byte path through two routers (the control)"
        case .svi:
            return
                "the second router's routes toward both subnets are limited (an SVI at 1500); it returns ICMP \"fragmentation needed\""
        case .sviRPF:
            return
                "as svi, but the router sources its ICMP from a management address the client cannot route back to; the client has strict rp_filter: PMTUD silently fails"
        case .blackhole: return "as svi, but the router drops its own ICMP \"fragmentation needed\""
        case .overlay:
            return
                "pods behind two hosts joined by VXLAN over a routed underlay with a smaller middle MTU (--df set|unset|inherit)"
        case .tgw:
            return
                "9001-byte hosts, an 8500 middle hop, pods at 8951 over VXLAN with DF: the ICMP reaches the node, never the pod"
        case .mesh:
            return
                "--nodes hosts (default 4) in two subnets behind two bridges and a router whose routes between them carry the wall (an SVI at 1500, with ICMP): for agents and `kube mesh`"
        case .twoway:
            return
                "client — r1 ═ r2 — server with one link per direction, each direction's wall and fate set on its own (--forward-fate, --reverse-fate: fits, ptb, ptb-rpf, silent-routed, silent-l2): forward at r2 or on r1→r2, reverse at r1 or on r2→r1"
        }
    }

    var defaultWall: Int {
        switch self {
        case .ok: return 9000
        case .svi, .sviRPF, .blackhole, .overlay, .mesh, .twoway: return 1500
        case .tgw: return 8500
        }
    }
}

/// Builds and removes network-namespace labs with `ip` and `iptables`.
///
/// Every namespace carries the run's prefix; `down` removes every namespace with that prefix, so a lab that failed
/// halfway is still removed completely. Addresses are private and exist only inside the lab's namespaces.
public enum Lab {
    /// Where the state of running labs is kept (one JSON ground truth per prefix).
    public static var stateDirectory: String {
        FileManager.default.isWritableFile(atPath: "/run")
            ? "/run/mtu-doctor-labs" : NSTemporaryDirectory() + "mtu-doctor-labs"
    }

    /// A fresh prefix, `mtud-` and six random hex digits.
    public static func freshPrefix() -> String {
        "mtud-" + String(format: "%06x", UInt32.random(in: 0...0xff_ffff))
    }

    /// Builds `scenario` and returns its ground truth. On any failure, everything created is removed first.
    public static func up(_ scenario: LabScenario, options: LabOptions = LabOptions()) throws(LabError)
        -> LabGroundTruth
    {
        let prefix = options.prefix ?? freshPrefix()
        try validate(prefix: prefix, flag: "--prefix")
        guard geteuid() == 0 else { throw LabError("labs create network namespaces: run as root") }
        guard !namespaces().contains(where: { $0.hasPrefix(prefix + "-") }) else {
            throw LabError(
                "--prefix \(prefix): network namespaces with this prefix exist already; choose another prefix")
        }
        let wall = options.wall ?? scenario.defaultWall
        let reverseWall = options.reverseWall ?? wall
        var builder = Builder(prefix: prefix)
        do throws(LabError) {
            var truth: LabGroundTruth
            switch scenario {
            case .ok, .svi, .sviRPF, .blackhole:
                for value in [wall, reverseWall] where !(576...9000).contains(value) {
                    throw LabError("--wall must be 576–9000 for \(scenario.rawValue), got \(value)")
                }
                truth = try builder.routedChain(
                    scenario, wall: scenario == .ok ? 9000 : wall, reverseWall: scenario == .ok ? 9000 : reverseWall)
            case .twoway:
                for value in [wall, reverseWall] where !(1280...8900).contains(value) {
                    throw LabError("--wall and --reverse-wall must be 1280–8900 for twoway, got \(value)")
                }
                truth = try builder.twoWay(
                    forward: options.forwardFate, wall: wall, reverse: options.reverseFate, reverseWall: reverseWall)
            case .mesh:
                guard (2...64).contains(options.nodes) else {
                    throw LabError("--nodes must be 2–64, got \(options.nodes)")
                }
                guard (576...9000).contains(wall) else {
                    throw LabError("--wall must be 576–9000 for mesh, got \(wall)")
                }
                truth = try builder.mesh(nodes: options.nodes, wall: wall)
            case .overlay, .tgw:
                truth = try builder.overlay(
                    scenario, wall: wall, reverseWall: reverseWall,
                    outerDF: options.outerDF ?? (scenario == .tgw ? "set" : "unset"),
                    asymmetric: options.asymmetric)
            }
            if options.https {
                let (pid, size) = try startHTTPS(
                    namespace: builder.name("server"), serverAddress: truth.server, prefix: prefix)
                builder.started.append(pid)
                truth.httpsPort = 443
                truth.httpsPID = pid
                truth.certificateChainPEMBytes = size
            }
            try save(truth)
            return truth
        } catch {
            builder.removeAll()
            throw error
        }
    }

    /// A prefix is a name, never a path: 1–31 lowercase letters, digits and '-'.
    static func validate(prefix: String, flag: String) throws(LabError) {
        guard prefix.range(of: "^[a-z0-9][a-z0-9-]{0,30}$", options: .regularExpression) != nil else {
            throw LabError("\(flag): use 1–31 lowercase letters, digits and '-', got '\(prefix)'")
        }
    }

    /// The record of namespaces a lab created, written as each one is made (before its ground truth exists), so that
    /// `down` removes exactly those — never a namespace some other program named with the same prefix.
    static func ownershipPath(_ prefix: String) -> String { "\(stateDirectory)/\(prefix).owned" }

    static func recordOwnership(_ namespace: String, prefix: String) {
        try? FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
        let path = ownershipPath(prefix)
        if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
        if let handle = FileHandle(forWritingAtPath: path) {
            handle.seekToEndOfFile()
            handle.write(Data((namespace + "\n").utf8))
            try? handle.close()
        }
    }

    static func ownedNamespaces(_ prefix: String) -> Set<String> {
        let recorded =
            FileManager.default.contents(atPath: ownershipPath(prefix)).map { String(decoding: $0, as: UTF8.self) }
            ?? ""
        var owned = Set(recorded.split(separator: "\n").map(String.init).filter { $0.hasPrefix(prefix + "-") })
        if let data = FileManager.default.contents(atPath: "\(stateDirectory)/\(prefix).json"),
            let truth = try? JSONDecoder().decode(LabGroundTruth.self, from: data)
        {
            owned.formUnion(truth.namespaces.values.filter { $0.hasPrefix(prefix + "-") })
        }
        return owned
    }

    /// Removes the namespaces this lab recorded as its own, its processes and its state; nothing else.
    public static func down(prefix: String) throws(LabError) -> [String] {
        try validate(prefix: prefix, flag: "lab down")
        let owned = ownedNamespaces(prefix)
        let hasState =
            FileManager.default.fileExists(atPath: "\(stateDirectory)/\(prefix).json")
            || FileManager.default.fileExists(atPath: ownershipPath(prefix))
        guard hasState else {
            let others = namespaces().filter { $0.hasPrefix(prefix + "-") }
            if others.isEmpty { return [] }
            throw LabError(
                "lab down \(prefix): no lab with this prefix was created here (no record in \(stateDirectory)); not removing \(others.joined(separator: ", "))"
            )
        }
        // Processes we started (by PID, and only if they still are what we started), then the namespaces.
        if let data = FileManager.default.contents(atPath: "\(stateDirectory)/\(prefix).json"),
            let truth = try? JSONDecoder().decode(LabGroundTruth.self, from: data), let pid = truth.httpsPID
        {
            stopOwnProcess(pid)
        }
        let removed = namespaces().filter { owned.contains($0) }
        for name in removed { _ = try? run(["ip", "netns", "delete", name]) }
        let left = namespaces().filter { owned.contains($0) }
        if left.isEmpty {
            try? FileManager.default.removeItem(atPath: "\(stateDirectory)/\(prefix).json")
            try? FileManager.default.removeItem(atPath: "\(stateDirectory)/\(prefix)")
            try? FileManager.default.removeItem(atPath: ownershipPath(prefix))
        }
        if !left.isEmpty { throw LabError("could not remove: \(left.joined(separator: ", "))") }
        return removed
    }

    /// Labs with saved state, and stray namespaces carrying a lab prefix.
    public static func list() -> (labs: [LabGroundTruth], strays: [String]) {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: stateDirectory)) ?? []
        let labs = files.filter { $0.hasSuffix(".json") }.sorted().compactMap { file -> LabGroundTruth? in
            guard let data = FileManager.default.contents(atPath: "\(stateDirectory)/\(file)") else { return nil }
            return try? JSONDecoder().decode(LabGroundTruth.self, from: data)
        }
        let known = Set(labs.flatMap { $0.namespaces.values })
        // Namespaces a lab recorded as its own (any prefix) that no finished lab accounts for: an interrupted `up`.
        let recorded = files.filter { $0.hasSuffix(".owned") }.flatMap { ownedNamespaces(String($0.dropLast(6))) }
        let existing = Set(namespaces())
        let strays = Set(recorded).union(existing.filter { $0.hasPrefix("mtud-") }).filter {
            existing.contains($0) && !known.contains($0)
        }.sorted()
        return (labs, strays)
    }

    /// The name our HTTPS server's script carries, so `down` kills only what `up` started.
    static let httpsServerMarker = "mtu-doctor-lab-https"

    /// A threaded HTTPS server like an API server: TLS with the lab's chain, and a short "400" to plain HTTP on the
    /// same port (as Go's servers answer), so the lab shows the incident's table.
    static let httpsServerScript = """
        import socket, ssl, sys, threading
        bundle, key, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(bundle, key)
        server = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        server.bind(("::", port))
        server.listen(512)
        def handle(connection):
            try:
                connection.settimeout(20)
                first = connection.recv(1, socket.MSG_PEEK)
                if first != b"\\x16":
                    connection.sendall(b"HTTP/1.0 400 Bad Request\\r\\nContent-Type: text/plain\\r\\n\\r\\nClient sent an HTTP request to an HTTPS server.\\n")
                    return
                tls = context.wrap_socket(connection, server_side=True)
                tls.recv(4096)
                tls.sendall(b"HTTP/1.0 200 OK\\r\\nContent-Length: 3\\r\\n\\r\\nok\\n")
            except Exception:
                pass
            finally:
                connection.close()
        while True:
            connection, _ = server.accept()
            threading.Thread(target=handle, args=(connection,), daemon=True).start()
        """

    /// Kills a process we started, after checking it still is what we started (PIDs get reused).
    static func stopOwnProcess(_ pid: Int32) {
        guard let command = try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8),
            command.contains(httpsServerMarker)
        else { return }
        kill(pid, SIGKILL)
        // Reap it when it is our child; otherwise wait (briefly) until it is gone.
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
        for _ in 0..<100 where kill(pid, 0) == 0 { usleep(10_000) }
    }

    /// Writes a certificate chain over 4 KB (root, intermediate, a leaf with many names) and starts
    /// a threaded Python HTTPS server on port 443 inside `namespace`. Returns its PID and the chain's size in PEM.
    static func startHTTPS(namespace: String, serverAddress: String, prefix: String) throws(LabError) -> (Int32, Int) {
        let directory = "\(stateDirectory)/\(prefix)"
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let names = (0..<40).map {
                "DNS:service-\(String(format: "%03d", $0)).namespace-with-a-long-name.svc.cluster.local"
            }.joined(separator: ",")
            try "basicConstraints=critical,CA:TRUE\n".write(
                toFile: "\(directory)/ca.ext", atomically: true, encoding: .utf8)
            try "subjectAltName=DNS:server.lab,IP:\(serverAddress),\(names)\n".write(
                toFile: "\(directory)/leaf.ext", atomically: true, encoding: .utf8)
        } catch {
            throw LabError("cannot write the lab's certificates: \(error)")
        }
        let d = directory
        try run([
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "\(d)/key.pem", "-out",
            "\(d)/root.pem", "-days", "2", "-subj", "/CN=mtu-doctor lab root",
        ])
        try run([
            "openssl", "req", "-new", "-key", "\(d)/key.pem", "-out", "\(d)/int.csr", "-subj",
            "/CN=mtu-doctor lab intermediate",
        ])
        try run([
            "openssl", "x509", "-req", "-in", "\(d)/int.csr", "-CA", "\(d)/root.pem", "-CAkey", "\(d)/key.pem",
            "-set_serial", "2", "-days", "2", "-out", "\(d)/int.pem", "-extfile", "\(d)/ca.ext",
        ])
        try run(["openssl", "req", "-new", "-key", "\(d)/key.pem", "-out", "\(d)/leaf.csr", "-subj", "/CN=server.lab"])
        try run([
            "openssl", "x509", "-req", "-in", "\(d)/leaf.csr", "-CA", "\(d)/int.pem", "-CAkey", "\(d)/key.pem",
            "-set_serial", "3", "-days", "2", "-out", "\(d)/leaf.pem", "-extfile", "\(d)/leaf.ext",
        ])
        let chain = (["int.pem", "root.pem"].compactMap { FileManager.default.contents(atPath: "\(d)/\($0)") }).reduce(
            Data(), +)
        _ = FileManager.default.createFile(atPath: "\(d)/chain.pem", contents: chain)
        let size = ["leaf.pem", "chain.pem"].compactMap { FileManager.default.contents(atPath: "\(d)/\($0)")?.count }
            .reduce(0, +)
        let bundle = (["leaf.pem", "chain.pem"].compactMap { FileManager.default.contents(atPath: "\(d)/\($0)") })
            .reduce(Data(), +)
        _ = FileManager.default.createFile(atPath: "\(d)/bundle.pem", contents: bundle)
        do {
            try httpsServerScript.write(toFile: "\(d)/\(httpsServerMarker).py", atomically: true, encoding: .utf8)
        } catch {
            throw LabError("cannot write the HTTPS server: \(error)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        process.arguments = [
            "netns", "exec", namespace, "python3", "\(d)/\(httpsServerMarker).py", "\(d)/bundle.pem", "\(d)/key.pem",
            "443",
        ]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { throw LabError("cannot start the HTTPS server: \(error)") }
        // Wait until it listens (read from /proc: a connect from inside the namespace would be traffic of its own).
        for _ in 0..<100 {
            if let tcp = try? run(["ip", "netns", "exec", namespace, "cat", "/proc/net/tcp6"]),
                tcp.split(separator: "\n").contains(where: {
                    $0.contains(":01BB 00000000000000000000000000000000:0000 0A")
                })
            {
                break
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return (process.processIdentifier, size)
    }

    static func save(_ truth: LabGroundTruth) throws(LabError) {
        do {
            try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(truth).write(to: URL(fileURLWithPath: "\(stateDirectory)/\(truth.prefix).json"))
        } catch {
            throw LabError("cannot save the lab state: \(error)")
        }
    }

    /// The namespaces that exist now.
    public static func namespaces() -> [String] {
        guard let output = try? run(["ip", "netns", "list"]) else { return [] }
        return output.split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) }
    }

    /// Runs `body` with SIGINT and SIGTERM held; if one arrived meanwhile, `interrupted` gets the result (a lab being
    /// built is completed, then torn down, never left half made).
    public static func holdingSignals<T>(_ body: () throws(LabError) -> T, interrupted: (T) -> Never) throws(LabError)
        -> T
    {
        // An ignored signal is never pending: a parent may have left them ignored (dispositions survive exec).
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
        var held = sigset_t()
        var previous = sigset_t()
        sigemptyset(&held)
        sigaddset(&held, SIGINT)
        sigaddset(&held, SIGTERM)
        sigprocmask(SIG_BLOCK, &held, &previous)
        defer { sigprocmask(SIG_SETMASK, &previous, nil) }
        let value = try body()
        var pending = sigset_t()
        sigpending(&pending)
        if sigismember(&pending, SIGINT) == 1 || sigismember(&pending, SIGTERM) == 1 { interrupted(value) }
        return value
    }

    /// Runs a command inside a lab namespace (`ip netns exec`) with this process's standard streams, and returns its
    /// exit status. Ctrl-C reaches the whole process group: the command stops, this process ignores it while waiting.
    public static func execute(in namespace: String, _ arguments: [String]) throws(LabError) -> Int32 {
        guard let ip = ["/usr/sbin/ip", "/sbin/ip"].first(where: FileManager.default.isExecutableFile) else {
            throw LabError("'ip' is not installed (Debian: apt-get install iproute2)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ip)
        process.arguments = ["netns", "exec", namespace] + arguments
        do { try process.run() } catch { throw LabError("cannot run ip netns exec: \(error.localizedDescription)") }
        let previous = signal(SIGINT, SIG_IGN)
        process.waitUntilExit()
        signal(SIGINT, previous)
        return process.terminationStatus
    }

    /// Runs a command (found on the usual sbin paths) and returns its output; throws with stderr on failure.
    @discardableResult
    public static func run(_ arguments: [String]) throws(LabError) -> String {
        let process = Process()
        let tool = arguments[0]
        let candidates =
            tool.hasPrefix("/") ? [tool] : ["/usr/sbin/\(tool)", "/sbin/\(tool)", "/usr/bin/\(tool)", "/bin/\(tool)"]
        guard let path = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw LabError("'\(tool)' is not installed (Debian: apt-get install \(tool == "ip" ? "iproute2" : tool))")
        }
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = Array(arguments.dropFirst())
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do { try process.run() } catch { throw LabError("cannot run \(tool): \(error)") }
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw LabError(
                "`\(arguments.joined(separator: " "))` failed: \(String(decoding: errors, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))"
            )
        }
        return String(decoding: output, as: UTF8.self)
    }
}

/// Creates namespaces and links, remembering what it made so a failure can undo it.
struct Builder {
    let prefix: String
    var created: [String] = []
    var started: [Int32] = []

    init(prefix: String) { self.prefix = prefix }

    func name(_ role: String) -> String { "\(prefix)-\(role)" }

    mutating func namespace(_ role: String) throws(LabError) {
        let namespace = name(role)
        Lab.recordOwnership(namespace, prefix: prefix)
        try Lab.run(["ip", "netns", "add", namespace])
        created.append(namespace)
        try exec(role, ["ip", "link", "set", "lo", "up"])
        // No duplicate address detection: link-local addresses are usable at once, so NDP works from the start.
        try exec(role, ["sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0"])
        // Fresh namespaces close the ICMP datagram socket range; labs widen it so unprivileged probes work inside.
        try exec(role, ["sysctl", "-qw", "net.ipv4.ping_group_range=0 2147483647"])
    }

    func exec(_ role: String, _ arguments: [String]) throws(LabError) {
        try Lab.run(["ip", "netns", "exec", name(role)] + arguments)
    }

    /// A veth pair between two namespaces, each end with its MTU and address.
    func link(
        _ a: String, _ aInterface: String, _ aAddress: String, _ b: String, _ bInterface: String, _ bAddress: String,
        mtu: Int, bMTU: Int? = nil
    ) throws(LabError) {
        try Lab.run([
            "ip", "link", "add", aInterface, "netns", name(a), "type", "veth", "peer", "name", bInterface, "netns",
            name(b),
        ])
        for (role, interface, address, value) in [
            (a, aInterface, aAddress, mtu), (b, bInterface, bAddress, bMTU ?? mtu),
        ] {
            try exec(role, ["ip", "link", "set", interface, "mtu", String(value), "up"])
            try exec(role, ["ip", "addr", "add", address, "dev", interface])
            // Single frames, deterministic sizes: no offloads that merge or split segments behind our back.
            _ = try? exec(role, ["ethtool", "-K", interface, "gso", "off", "tso", "off", "gro", "off"])
        }
    }

    func sysctl(_ role: String, _ setting: String) throws(LabError) {
        try exec(role, ["sysctl", "-qw", setting])
    }

    func removeAll() {
        for pid in started { Lab.stopOwnProcess(pid) }
        for namespace in created.reversed() { _ = try? Lab.run(["ip", "netns", "delete", namespace]) }
        try? FileManager.default.removeItem(atPath: Lab.ownershipPath(prefix))
    }

    /// Hosts n1…nN at 9000, the first half on bridge a (10.88.1.0/24), the rest on bridge b (10.88.2.0/24); a router
    /// between the bridges whose routes to each subnet carry `wall` (mtu lock), and who answers with ICMP.
    mutating func mesh(nodes: Int, wall: Int) throws(LabError) -> LabGroundTruth {
        for role in ["sw-a", "sw-b", "rt"] { try namespace(role) }
        for side in ["a", "b"] {
            try exec("sw-\(side)", ["ip", "link", "add", "br0", "type", "bridge"])
            try exec("sw-\(side)", ["ip", "link", "set", "br0", "mtu", "9000", "up"])
        }
        /// A veth from `role` (address, 9000) into bridge `side` as port `port`.
        func attach(_ role: String, _ interface: String, _ address: String, side: String, port: String) throws(LabError)
        {
            try Lab.run([
                "ip", "link", "add", interface, "netns", name(role), "type", "veth", "peer", "name", port, "netns",
                name("sw-\(side)"),
            ])
            try exec(role, ["ip", "link", "set", interface, "mtu", "9000", "up"])
            try exec(role, ["ip", "addr", "add", address, "dev", interface])
            try exec("sw-\(side)", ["ip", "link", "set", port, "mtu", "9000", "master", "br0", "up"])
            _ = try? exec(role, ["ethtool", "-K", interface, "gso", "off", "tso", "off", "gro", "off"])
        }
        try attach("rt", "rt-a", "10.88.1.1/24", side: "a", port: "up-rt")
        try attach("rt", "rt-b", "10.88.2.1/24", side: "b", port: "up-rt")
        try sysctl("rt", "net.ipv4.ip_forward=1")
        var members: [String: String] = [:]
        var addresses: [String] = []
        for index in 1...nodes {
            let side = index <= (nodes + 1) / 2 ? "a" : "b"
            let subnet = side == "a" ? 1 : 2
            let role = "n\(index)"
            let address = "10.88.\(subnet).\(10 + index)"
            try namespace(role)
            try attach(role, "eth0", "\(address)/24", side: side, port: "p\(index)")
            try exec(role, ["ip", "route", "add", "10.88.0.0/16", "via", "10.88.\(subnet).1"])
            members[role] = name(role)
            addresses.append(address)
        }
        if wall < 9000 {
            // The SVI-like wall: routed traffic between the subnets carries `wall`; the router sends its PTB.
            try exec(
                "rt",
                [
                    "ip", "route", "replace", "10.88.1.0/24", "dev", "rt-a", "proto", "kernel", "scope", "link", "src",
                    "10.88.1.1", "mtu", "lock", String(wall),
                ])
            try exec(
                "rt",
                [
                    "ip", "route", "replace", "10.88.2.0/24", "dev", "rt-b", "proto", "kernel", "scope", "link", "src",
                    "10.88.2.1", "mtu", "lock", String(wall),
                ])
        }
        for role in ["sw-a", "sw-b", "rt"] { members[role] = name(role) }
        return LabGroundTruth(
            scenario: "mesh", prefix: prefix, namespaces: members, server: addresses.last!, client: addresses.first!,
            forwardPathMTU: wall, reversePathMTU: wall, forwardVerdict: wall < 9000 ? .ptb : .ok,
            reverseVerdict: wall < 9000 ? .ptb : .ok,
            ptbSource: wall < 9000 ? "10.88.1.1" : nil, ptbDroppedByRPFilter: false, wallLastGoodHop: nil,
            wallFirstBadHop: nil, wallTTL: nil,
            notes: [
                "hosts: " + addresses.joined(separator: " "),
                "same-subnet pairs carry 9000; pairs across the router carry \(wall)",
            ],
            server6: nil, forwardPathMTU6: nil, reversePathMTU6: nil, forwardVerdict6: nil, ptbSource6: nil)
    }

    /// client — r1 ═ r2 — server, 9000 everywhere, with two links between the routers: r1 sends toward the server
    /// over link A (`fa`), r2 toward the client over link B (`rb`), so each direction crosses its own hops and each
    /// wall can have its own size and fate. The forward wall sits at r2 (its egress toward the server, or r2's
    /// receiving end of link A for silent-l2), the reverse wall at r1 (its egress toward the client, or r1's
    /// receiving end of link B). Every address a router sends ICMP from is pinned with `src`, so the ground truth
    /// names it. IPv4 only.
    /// Long: the lab's `ip` and `iptables` commands in the order they build it, then its ground truth.
    mutating func twoWay(forward: WallFate, wall: Int, reverse: WallFate, reverseWall: Int) throws(LabError)
        -> LabGroundTruth
    {
        for role in ["client", "r1", "r2", "server"] { try namespace(role) }
        try link("client", "c0", "10.79.1.2/24", "r1", "r1c", "10.79.1.1/24", mtu: 9000)
        try link(
            "r1", "fa", "10.79.2.1/24", "r2", "fa", "10.79.2.2/24", mtu: 9000, bMTU: forward == .silentL2 ? wall : 9000)
        try link(
            "r1", "rb", "10.79.4.1/24", "r2", "rb", "10.79.4.2/24", mtu: reverse == .silentL2 ? reverseWall : 9000,
            bMTU: 9000)
        try link("r2", "r2s", "10.79.3.1/24", "server", "s0", "10.79.3.2/24", mtu: 9000)
        for role in ["r1", "r2"] {
            try sysctl(role, "net.ipv4.ip_forward=1")
            // Each direction arrives on a link its reverse route does not use: no reverse-path filter on the routers.
            for interface in ["all", "default", "fa", "rb"] {
                try sysctl(role, "net.ipv4.conf.\(interface).rp_filter=0")
            }
        }
        // The endpoints reach only the lab (no default route): a management address stays unroutable for them.
        try exec("client", ["ip", "route", "add", "10.79.0.0/16", "via", "10.79.1.1"])
        try exec("server", ["ip", "route", "add", "10.79.0.0/16", "via", "10.79.3.1"])
        // r2's ICMP toward the client (PTB, time exceeded) comes from 10.79.4.2, or a management address for ptb-rpf.
        try exec("r2", ["ip", "addr", "add", "172.31.255.2/32", "dev", "lo"])
        try exec("r1", ["ip", "addr", "add", "172.31.254.1/32", "dev", "lo"])
        try exec(
            "r2",
            [
                "ip", "route", "add", "10.79.1.0/24", "via", "10.79.4.1", "dev", "rb", "src",
                forward == .ptbRPF ? "172.31.255.2" : "10.79.4.2",
            ])
        try exec(
            "r1",
            [
                "ip", "route", "add", "10.79.3.0/24", "via", "10.79.2.2", "dev", "fa", "src",
                reverse == .ptbRPF ? "172.31.254.1" : "10.79.2.1",
            ])
        if [.ptb, .ptbRPF, .silentRouted].contains(forward) {
            try exec(
                "r2",
                [
                    "ip", "route", "replace", "10.79.3.0/24", "dev", "r2s", "proto", "kernel", "scope", "link", "src",
                    "10.79.3.1", "mtu", "lock", String(wall),
                ])
        }
        if [.ptb, .ptbRPF, .silentRouted].contains(reverse) {
            try exec(
                "r1",
                [
                    "ip", "route", "replace", "10.79.1.0/24", "dev", "r1c", "proto", "kernel", "scope", "link", "src",
                    "10.79.1.1", "mtu", "lock", String(reverseWall),
                ])
        }
        if forward == .silentRouted {
            try exec(
                "r2",
                [
                    "iptables", "-A", "OUTPUT", "-p", "icmp", "--icmp-type", "fragmentation-needed", "-d",
                    "10.79.1.0/24", "-j", "DROP",
                ])
        }
        if reverse == .silentRouted {
            try exec(
                "r1",
                [
                    "iptables", "-A", "OUTPUT", "-p", "icmp", "--icmp-type", "fragmentation-needed", "-d",
                    "10.79.3.0/24", "-j", "DROP",
                ])
        }
        if forward == .ptbRPF {
            for interface in ["all", "c0"] { try sysctl("client", "net.ipv4.conf.\(interface).rp_filter=1") }
        }
        if reverse == .ptbRPF {
            for interface in ["all", "s0"] { try sysctl("server", "net.ipv4.conf.\(interface).rp_filter=1") }
        }
        let forwardSource: String? = forward == .ptb ? "10.79.4.2" : forward == .ptbRPF ? "172.31.255.2" : nil
        return LabGroundTruth(
            scenario: "twoway", prefix: prefix,
            namespaces: ["client": name("client"), "r1": name("r1"), "r2": name("r2"), "server": name("server")],
            server: "10.79.3.2", client: "10.79.1.2",
            forwardPathMTU: forward.passes(wall), reversePathMTU: reverse.passes(reverseWall),
            forwardVerdict: forward.verdict, reverseVerdict: reverse.verdict,
            ptbSource: forwardSource, ptbDroppedByRPFilter: forward == .ptbRPF,
            wallLastGoodHop: nil, wallFirstBadHop: nil, wallTTL: nil,
            notes: [
                "forward (client → server over r1 → link A → r2): \(forward.rawValue)\(forward == .fits ? "" : " at \(wall)")",
                "reverse (server → client over r2 → link B → r1): \(reverse.rawValue)\(reverse == .fits ? "" : " at \(reverseWall)")",
            ],
            server6: nil, forwardPathMTU6: nil, reversePathMTU6: nil, forwardVerdict6: nil, ptbSource6: nil,
            httpsPort: nil, httpsPID: nil, certificateChainPEMBytes: nil, forwardFate: forward, reverseFate: reverse)
    }

    /// client — r1 — r2 — server, 9000 everywhere; r2's routes carry the walls.
    /// Long: the lab's `ip` and `iptables` commands in the order they build it, then its ground truth.
    mutating func routedChain(_ scenario: LabScenario, wall: Int, reverseWall: Int) throws(LabError) -> LabGroundTruth {
        for role in ["client", "r1", "r2", "server"] { try namespace(role) }
        try link("client", "c0", "10.77.1.2/24", "r1", "r1a", "10.77.1.1/24", mtu: 9000)
        try link("r1", "r1b", "10.77.2.1/24", "r2", "r2a", "10.77.2.2/24", mtu: 9000)
        try link("r2", "r2b", "10.77.3.1/24", "server", "s0", "10.77.3.2/24", mtu: 9000)
        for role in ["r1", "r2"] { try sysctl(role, "net.ipv4.ip_forward=1") }
        // The client reaches only the lab: no default route (so a management address stays unroutable).
        try exec("client", ["ip", "route", "add", "10.77.0.0/16", "via", "10.77.1.1"])
        try exec("r1", ["ip", "route", "add", "10.77.3.0/24", "via", "10.77.2.2"])
        var towardClient = ["ip", "route", "add", "10.77.1.0/24", "via", "10.77.2.1", "dev", "r2a"]
        var notes: [String] = []
        var ptbSource: String? = "10.77.2.2"
        var dropped = false
        var lastGood: String? = "10.77.2.2"
        if scenario == .sviRPF {
            try exec("r2", ["ip", "addr", "add", "172.31.255.2/32", "dev", "lo"])
            towardClient += ["src", "172.31.255.2"]
            try sysctl("client", "net.ipv4.conf.all.rp_filter=1")
            try sysctl("client", "net.ipv4.conf.c0.rp_filter=1")
            ptbSource = "172.31.255.2"
            dropped = true
            lastGood = "10.77.1.1"
            notes.append(
                "r2 sources every ICMP it sends from 172.31.255.2; client and server both run strict rp_filter without a route to it: PMTUD fails both ways, and r2's time-exceeded messages are eaten too, so hop 2 is invisible"
            )
        }
        if reverseWall < 9000 { towardClient += ["mtu", "lock", String(reverseWall)] }
        try exec("r2", towardClient)
        var towardServer = [
            "ip", "route", "replace", "10.77.3.0/24", "dev", "r2b", "proto", "kernel", "scope", "link", "src",
            scenario == .sviRPF ? "172.31.255.2" : "10.77.3.1",
        ]
        if wall < 9000 { towardServer += ["mtu", "lock", String(wall)] }
        try exec("r2", towardServer)
        if scenario == .sviRPF {
            // The server (the API server of the incident) has the same trap: strict rp_filter, no route to 172.31/16.
            try exec("server", ["ip", "route", "add", "10.77.0.0/16", "via", "10.77.3.1"])
            try sysctl("server", "net.ipv4.conf.all.rp_filter=1")
            try sysctl("server", "net.ipv4.conf.s0.rp_filter=1")
        } else {
            try exec("server", ["ip", "route", "add", "default", "via", "10.77.3.1"])
        }
        if scenario == .blackhole {
            try exec(
                "r2", ["iptables", "-A", "OUTPUT", "-p", "icmp", "--icmp-type", "fragmentation-needed", "-j", "DROP"])
            try exec(
                "r2", ["ip6tables", "-A", "OUTPUT", "-p", "ipv6-icmp", "--icmpv6-type", "packet-too-big", "-j", "DROP"])
            notes.append("r2 drops the ICMP \"fragmentation needed\" / ICMPv6 \"packet too big\" it generates")
        }
        // The same chain over IPv6 (no rp_filter exists for IPv6, so svi-rpf's trap does not apply there).
        let wall6 = max(wall, 1280)
        let reverseWall6 = max(reverseWall, 1280)
        for (role, interface, address) in [
            ("client", "c0", "fd77:1::2/64"), ("r1", "r1a", "fd77:1::1/64"), ("r1", "r1b", "fd77:2::1/64"),
            ("r2", "r2a", "fd77:2::2/64"), ("r2", "r2b", "fd77:3::1/64"), ("server", "s0", "fd77:3::2/64"),
        ] {
            try exec(role, ["ip", "-6", "addr", "add", address, "dev", interface, "nodad"])
        }
        for role in ["r1", "r2"] { try sysctl(role, "net.ipv6.conf.all.forwarding=1") }
        try exec("client", ["ip", "-6", "route", "add", "fd77::/16", "via", "fd77:1::1"])
        try exec("r1", ["ip", "-6", "route", "add", "fd77:3::/64", "via", "fd77:2::2"])
        try exec(
            "r2",
            ["ip", "-6", "route", "add", "fd77:1::/64", "via", "fd77:2::1"]
                + (reverseWall6 < 9000 ? ["mtu", "lock", String(reverseWall6)] : []))
        if wall6 < 9000 {
            try exec(
                "r2",
                [
                    "ip", "-6", "route", "replace", "fd77:3::/64", "dev", "r2b", "proto", "kernel", "metric", "256",
                    "mtu", "lock", String(wall6),
                ])
        }
        try exec("server", ["ip", "-6", "route", "add", "default", "via", "fd77:3::1"])
        let forwardVerdict: PathVerdict
        switch scenario {
        case .ok: forwardVerdict = .ok
        case .svi: forwardVerdict = wall < 9000 ? .ptb : .ok
        default: forwardVerdict = wall < 9000 ? .blackhole : .ok
        }
        let reverseVerdict: PathVerdict
        switch scenario {
        case .ok: reverseVerdict = .ok
        case .blackhole, .sviRPF: reverseVerdict = reverseWall < 9000 ? .blackhole : .ok
        default: reverseVerdict = reverseWall < 9000 ? .ptb : .ok
        }
        return LabGroundTruth(
            scenario: scenario.rawValue, prefix: prefix,
            namespaces: ["client": name("client"), "r1": name("r1"), "r2": name("r2"), "server": name("server")],
            server: "10.77.3.2", client: "10.77.1.2", forwardPathMTU: wall, reversePathMTU: reverseWall,
            forwardVerdict: forwardVerdict, reverseVerdict: reverseVerdict,
            ptbSource: scenario == .ok || scenario == .blackhole ? nil : ptbSource, ptbDroppedByRPFilter: dropped,
            wallLastGoodHop: wall < 9000 ? lastGood : nil,
            // With the rp_filter trap, hop 2 is invisible: large probes seem to stop right after hop 1.
            wallFirstBadHop: wall < 9000 && scenario != .sviRPF ? "10.77.3.2" : nil,
            wallTTL: wall < 9000 ? (scenario == .sviRPF ? 2 : 3) : nil,
            notes: notes, server6: "fd77:3::2", forwardPathMTU6: wall6, reversePathMTU6: reverseWall6,
            forwardVerdict6: wall6 >= 9000 ? .ok : (scenario == .blackhole ? .blackhole : .ptb),
            ptbSource6: wall6 >= 9000 || scenario == .blackhole ? nil : "fd77:2::2",
            httpsPort: nil, httpsPID: nil, certificateChainPEMBytes: nil)
    }

    /// podA — hostA ═(VXLAN over underlay)═ router ═ hostB — podB; the router's routes carry the walls.
    /// Long: the lab's `ip` and `iptables` commands in the order they build it, then its ground truth.
    mutating func overlay(_ scenario: LabScenario, wall: Int, reverseWall: Int, outerDF: String, asymmetric: Bool)
        throws(LabError) -> LabGroundTruth
    {
        guard ["set", "unset", "inherit"].contains(outerDF) else {
            throw LabError("--df must be set, unset or inherit, got '\(outerDF)'")
        }
        let hostMTU = scenario == .tgw ? 9001 : 9000
        let podMTU = hostMTU - 50
        for value in [wall, reverseWall] where !(1280...hostMTU).contains(value) {
            throw LabError("--wall must be 1280–\(hostMTU) for \(scenario.rawValue), got \(value)")
        }
        for role in ["client", "host-a", "router", "host-b", "server"] { try namespace(role) }
        try link("client", "p0", "10.244.1.2/24", "host-a", "ha-p", "10.244.1.1/24", mtu: podMTU)
        try link("host-a", "ha-u", "10.78.1.2/24", "router", "ru-a", "10.78.1.1/24", mtu: hostMTU)
        try link("router", "ru-b", "10.78.2.1/24", "host-b", "hb-u", "10.78.2.2/24", mtu: hostMTU)
        try link("host-b", "hb-p", "10.244.2.1/24", "server", "p0", "10.244.2.2/24", mtu: podMTU)
        for role in ["host-a", "router", "host-b"] { try sysctl(role, "net.ipv4.ip_forward=1") }
        try exec("host-a", ["ip", "route", "add", "10.78.0.0/16", "via", "10.78.1.1"])
        try exec("host-b", ["ip", "route", "add", "10.78.0.0/16", "via", "10.78.2.1"])
        for (role, local, remote, own, peer, podNet) in [
            ("host-a", "10.78.1.2", "10.78.2.2", "10.245.0.1/24", "10.245.0.2", "10.244.2.0/24"),
            ("host-b", "10.78.2.2", "10.78.1.2", "10.245.0.2/24", "10.245.0.1", "10.244.1.0/24"),
        ] {
            let lower = role == "host-a" ? "ha-u" : "hb-u"
            try exec(
                role,
                [
                    "ip", "link", "add", "vx0", "type", "vxlan", "id", "42", "local", local, "remote", remote,
                    "dstport", "4789", "dev", lower, "df", outerDF,
                ])
            try exec(role, ["ip", "link", "set", "vx0", "mtu", String(podMTU), "up"])
            try exec(role, ["ip", "addr", "add", own, "dev", "vx0"])
            try exec(role, ["ip", "route", "add", podNet, "via", peer, "dev", "vx0"])
        }
        try exec("client", ["ip", "route", "add", "default", "via", "10.244.1.1"])
        try exec("server", ["ip", "route", "add", "default", "via", "10.244.2.1"])
        if wall < hostMTU {
            try exec(
                "router",
                [
                    "ip", "route", "replace", "10.78.2.0/24", "dev", "ru-b", "proto", "kernel", "scope", "link", "src",
                    "10.78.2.1", "mtu", "lock", String(wall),
                ])
        }
        var notes = ["VXLAN outer DF: \(outerDF)"]
        if asymmetric {
            // host-b → host-a leaves by a second underlay link through router-back, which carries the reverse wall.
            try namespace("router-back")
            try link("host-a", "ha-u2", "10.78.3.2/24", "router-back", "rb-a", "10.78.3.1/24", mtu: hostMTU)
            try link("router-back", "rb-b", "10.78.4.1/24", "host-b", "hb-u2", "10.78.4.2/24", mtu: hostMTU)
            try sysctl("router-back", "net.ipv4.ip_forward=1")
            try exec("router-back", ["ip", "route", "add", "10.78.1.0/24", "via", "10.78.3.2"])
            try exec("host-b", ["ip", "route", "add", "10.78.1.0/24", "via", "10.78.4.1"])
            if reverseWall < hostMTU {
                try exec(
                    "router-back",
                    [
                        "ip", "route", "replace", "10.78.1.0/24", "via", "10.78.3.2", "dev", "rb-a", "mtu", "lock",
                        String(reverseWall),
                    ])
            }
            notes.append("asymmetric underlay: host-a → host-b through router, host-b → host-a through router-back")
        } else if reverseWall < hostMTU {
            try exec(
                "router",
                [
                    "ip", "route", "replace", "10.78.1.0/24", "dev", "ru-a", "proto", "kernel", "scope", "link", "src",
                    "10.78.1.1", "mtu", "lock", String(reverseWall),
                ])
        }
        let fragments = outerDF == "unset"
        if fragments {
            notes.append(
                "the router fragments oversize outer packets: every inner size up to \(podMTU) arrives (slowly)")
        } else {
            notes.append(
                "the router drops oversize outer packets and sends its PTB to the VTEP (host-a); host-a learns, the pod never does"
            )
        }
        return LabGroundTruth(
            scenario: scenario.rawValue, prefix: prefix,
            namespaces: [
                "client": name("client"), "host-a": name("host-a"), "router": name("router"), "host-b": name("host-b"),
                "server": name("server"),
            ]
            .merging(asymmetric ? ["router-back": name("router-back")] : [:]) { first, _ in first },
            server: "10.244.2.2", client: "10.244.1.2",
            forwardPathMTU: fragments ? podMTU : min(podMTU, wall - 50),
            reversePathMTU: fragments ? podMTU : min(podMTU, reverseWall - 50),
            forwardVerdict: fragments || wall >= hostMTU ? .ok : .blackhole,
            reverseVerdict: fragments || reverseWall >= hostMTU ? .ok : .blackhole,
            ptbSource: nil, ptbDroppedByRPFilter: false, wallLastGoodHop: nil, wallFirstBadHop: nil, wallTTL: nil,
            notes: notes,
            server6: nil, forwardPathMTU6: nil, reversePathMTU6: nil, forwardVerdict6: nil, ptbSource6: nil,
            httpsPort: nil, httpsPID: nil, certificateChainPEMBytes: nil)
    }
}
