import Foundation
import MTUConfig
import Yams

/// A kubeconfig problem: what was wrong and where (`file:line: field`), one line.
public struct KubeConfigError: Error, Sendable, CustomStringConvertible, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Where the credentials and the API server come from, after kubectl's rules: `--kubeconfig`, else every file of
/// `KUBECONFIG` (colon separated, merged: the first file to name a cluster, user or context wins, and the first
/// `current-context` wins), else `~/.kube/config`, else the pod's service account (in-cluster).
public struct KubeConfig: Sendable {
    public struct Cluster: Sendable, Equatable {
        public var server: String
        public var certificateAuthority: [UInt8]?
        public var insecureSkipTLSVerify = false
        public var tlsServerName: String?
        /// `file:line` of the entry, for errors.
        public var origin: String
    }

    public struct ExecPlugin: Sendable, Equatable {
        public var command: String
        public var arguments: [String]
        public var environment: [String: String]
        public var apiVersion: String
        /// The kubeconfig's folder: a command with a slash is relative to it.
        public var directory: String
        public var installHint: String?
    }

    public struct User: Sendable, Equatable {
        public var token: String?
        public var tokenFile: String?
        public var clientCertificate: [UInt8]?
        public var clientKey: [UInt8]?
        public var username: String?
        public var password: String?
        public var exec: ExecPlugin?
        public var origin: String
    }

    public struct Context: Sendable, Equatable {
        public var cluster: String
        public var user: String
        public var namespace: String?
        public var origin: String
    }

    public var clusters: [String: Cluster] = [:]
    public var users: [String: User] = [:]
    public var contexts: [String: Context] = [:]
    public var currentContext: String?
    /// The files read, in order.
    public var files: [String] = []

    public init() {}

    /// The files kubectl would read, or nil when none applies (then in-cluster is the only way).
    public static func files(explicit: String?, environment: [String: String]) -> [String]? {
        if let explicit { return [explicit] }
        if let list = environment["KUBECONFIG"], !list.isEmpty {
            let files = list.split(separator: ":").map(String.init).filter { !$0.isEmpty }
            return files.isEmpty ? nil : files
        }
        if let home = environment["HOME"], FileManager.default.fileExists(atPath: home + "/.kube/config") {
            return [home + "/.kube/config"]
        }
        return nil
    }

    /// Reads and merges kubeconfig files. A file of KUBECONFIG that does not exist is skipped, as kubectl does; an
    /// explicit one must exist.
    public static func load(files: [String], requireAll: Bool) throws(KubeConfigError) -> KubeConfig {
        var config = KubeConfig()
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else {
                if requireAll { throw KubeConfigError("--kubeconfig \(file): cannot read the file") }
                continue
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw KubeConfigError("\(file): not UTF-8 text")
            }
            try config.merge(text: text, file: file)
        }
        return config
    }

    /// Merges one file's contents (first definition wins).
    public mutating func merge(text: String, file: String) throws(KubeConfigError) {
        files.append(file)
        let root: Yams.Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw KubeConfigError(TopologyLoader.describeYAMLError(error, file: file))
        } catch {
            throw KubeConfigError("\(file): not valid YAML: \(error)")
        }
        guard let root else { return }
        let directory = URL(fileURLWithPath: file).deletingLastPathComponent().path
        let document = Entry(node: root, file: file, path: "")
        guard case .mapping = root else {
            throw document.fail("a kubeconfig is a mapping (apiVersion, clusters, users, contexts)")
        }
        if currentContext == nil, let current = try document["current-context"]?.optionalString(), !current.isEmpty {
            currentContext = current
        }
        for item in try document["clusters"]?.list() ?? [] {
            let name = try item.required("name").string()
            guard clusters[name] == nil else { continue }
            clusters[name] = try Self.cluster(item, directory: directory)
        }
        for item in try document["users"]?.list() ?? [] {
            let name = try item.required("name").string()
            guard users[name] == nil else { continue }
            users[name] = try Self.user(item, file: file, directory: directory)
        }
        for item in try document["contexts"]?.list() ?? [] {
            let name = try item.required("name").string()
            guard contexts[name] == nil else { continue }
            let body = try item.required("context")
            contexts[name] = Context(
                cluster: try body.required("cluster").string(), user: try body["user"]?.optionalString() ?? "",
                namespace: try body["namespace"]?.optionalString(), origin: body.origin)
        }
    }

    /// One `clusters` entry: the server and its TLS material (data inline, or a file relative to the kubeconfig).
    static func cluster(_ item: Entry, directory: String) throws(KubeConfigError) -> Cluster {
        let body = try item.required("cluster")
        var cluster = Cluster(server: try body.required("server").string(), origin: body.origin)
        if let data = try body["certificate-authority-data"]?.optionalString() {
            cluster.certificateAuthority = try body["certificate-authority-data"]!.base64(data)
        } else if let path = try body["certificate-authority"]?.optionalString() {
            cluster.certificateAuthority = try body["certificate-authority"]!.readFile(path, relativeTo: directory)
        }
        cluster.insecureSkipTLSVerify = try body["insecure-skip-tls-verify"]?.bool() ?? false
        cluster.tlsServerName = try body["tls-server-name"]?.optionalString()
        return cluster
    }

    /// One `users` entry: a token or token file, a client certificate and key, basic auth, or an exec plugin.
    static func user(_ item: Entry, file: String, directory: String) throws(KubeConfigError) -> User {
        let body =
            item["user"]
            ?? Entry(
                node: Yams.Node.mapping(Yams.Node.Mapping([])), file: file, path: item.path + ".user",
                mark: item.node.mark)
        var user = User(origin: body.origin)
        user.token = try body["token"]?.optionalString()
        if let path = try body["tokenFile"]?.optionalString() {
            user.tokenFile = path.hasPrefix("/") ? path : directory + "/" + path
        }
        if let data = try body["client-certificate-data"]?.optionalString() {
            user.clientCertificate = try body["client-certificate-data"]!.base64(data)
        } else if let path = try body["client-certificate"]?.optionalString() {
            user.clientCertificate = try body["client-certificate"]!.readFile(path, relativeTo: directory)
        }
        if let data = try body["client-key-data"]?.optionalString() {
            user.clientKey = try body["client-key-data"]!.base64(data)
        } else if let path = try body["client-key"]?.optionalString() {
            user.clientKey = try body["client-key"]!.readFile(path, relativeTo: directory)
        }
        if (user.clientCertificate == nil) != (user.clientKey == nil) {
            throw body.fail("a client certificate needs its key and a key its certificate")
        }
        user.username = try body["username"]?.optionalString()
        user.password = try body["password"]?.optionalString()
        if let exec = body["exec"], case .mapping = exec.node {
            var environment: [String: String] = [:]
            for variable in try exec["env"]?.list() ?? [] {
                environment[try variable.required("name").string()] = try variable.required("value").string()
            }
            var arguments: [String] = []
            for argument in try exec["args"]?.list() ?? [] { arguments.append(try argument.string()) }
            let apiVersion = try exec["apiVersion"]?.optionalString() ?? ""
            guard ["client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"].contains(apiVersion)
            else {
                throw (exec["apiVersion"] ?? exec).fail(
                    "exec plugins need apiVersion client.authentication.k8s.io/v1 or v1beta1, got '\(apiVersion)'")
            }
            user.exec = ExecPlugin(
                command: try exec.required("command").string(), arguments: arguments, environment: environment,
                apiVersion: apiVersion, directory: directory, installHint: try exec["installHint"]?.optionalString()
            )
        }
        return user
    }

    /// The API server, TLS material and credentials of one context (the current one when `context` is nil).
    public func target(context name: String?) throws(KubeConfigError) -> KubeTarget {
        let filesText = files.joined(separator: ":")
        guard let contextName = name ?? currentContext else {
            throw KubeConfigError(
                "\(filesText): no current-context set; pick one with --context (known: \(contexts.keys.sorted().joined(separator: ", ")))"
            )
        }
        guard let context = contexts[contextName] else {
            let flag = name != nil ? "--context" : "current-context"
            throw KubeConfigError(
                "\(flag): no context named '\(contextName)' in \(filesText) (known: \(contexts.keys.sorted().joined(separator: ", ")))"
            )
        }
        guard let cluster = clusters[context.cluster] else {
            throw KubeConfigError(
                "\(context.origin): context '\(contextName)' names cluster '\(context.cluster)', which no file defines")
        }
        var credentials = KubeTarget.Credentials.none
        if !context.user.isEmpty {
            guard let user = users[context.user] else {
                throw KubeConfigError(
                    "\(context.origin): context '\(contextName)' names user '\(context.user)', which no file defines")
            }
            if let certificate = user.clientCertificate, let key = user.clientKey {
                credentials = .clientCertificate(certificate: certificate, key: key)
            } else if let token = user.token {
                credentials = .token(token)
            } else if let file = user.tokenFile {
                credentials = .tokenFile(file)
            } else if let exec = user.exec {
                credentials = .exec(exec)
            } else if let username = user.username {
                credentials = .basic(username: username, password: user.password ?? "")
            }
        }
        guard let url = URL(string: cluster.server), let scheme = url.scheme, ["https", "http"].contains(scheme),
            url.host != nil
        else {
            throw KubeConfigError("\(cluster.origin): server '\(cluster.server)' is not an https:// URL")
        }
        return KubeTarget(
            context: contextName,
            server: cluster.server.hasSuffix("/") ? String(cluster.server.dropLast()) : cluster.server,
            namespace: context.namespace ?? "default", certificateAuthority: cluster.certificateAuthority,
            insecureSkipTLSVerify: cluster.insecureSkipTLSVerify, tlsServerName: cluster.tlsServerName,
            credentials: credentials,
            source: "context \(contextName) of \(filesText)")
    }

    /// The pod's own service account, as client-go's in-cluster config reads it.
    public static func inCluster(
        environment: [String: String], directory: String = "/var/run/secrets/kubernetes.io/serviceaccount"
    ) throws(KubeConfigError) -> KubeTarget {
        guard let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty,
            let port = environment["KUBERNETES_SERVICE_PORT"], !port.isEmpty
        else {
            throw KubeConfigError(
                "no kubeconfig (--kubeconfig, KUBECONFIG, ~/.kube/config) and not inside a pod (KUBERNETES_SERVICE_HOST is not set)"
            )
        }
        let tokenFile = directory + "/token"
        guard FileManager.default.isReadableFile(atPath: tokenFile) else {
            throw KubeConfigError(
                "\(tokenFile): in a pod but no service-account token (automountServiceAccountToken: false?)")
        }
        let ca = FileManager.default.contents(atPath: directory + "/ca.crt").map { Array($0) }
        let namespace = (try? String(contentsOfFile: directory + "/namespace", encoding: .utf8))?.trimmingCharacters(
            in: .whitespacesAndNewlines)
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return KubeTarget(
            context: "in-cluster", server: "https://\(hostPart):\(port)", namespace: namespace ?? "default",
            certificateAuthority: ca,
            insecureSkipTLSVerify: false, tlsServerName: nil, credentials: .tokenFile(tokenFile),
            source: "the pod's service account")
    }

    /// kubectl's order: an explicit file, KUBECONFIG, ~/.kube/config, then in-cluster.
    public static func resolve(
        kubeconfig: String?, context: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(KubeConfigError) -> KubeTarget {
        if let files = files(explicit: kubeconfig, environment: environment) {
            let config = try load(files: files, requireAll: kubeconfig != nil)
            if config.files.isEmpty, environment["KUBERNETES_SERVICE_HOST"] == nil {
                throw KubeConfigError("KUBECONFIG: none of its files can be read (\(files.joined(separator: ":")))")
            }
            if !config.contexts.isEmpty || kubeconfig != nil || environment["KUBERNETES_SERVICE_HOST"] == nil {
                return try config.target(context: context)
            }
        }
        if let context {
            throw KubeConfigError(
                "--context \(context): no kubeconfig to look it up in (--kubeconfig, KUBECONFIG, ~/.kube/config)")
        }
        return try inCluster(environment: environment)
    }
}

/// One API server with everything needed to talk to it.
public struct KubeTarget: Sendable {
    public enum Credentials: Sendable, Equatable {
        case none
        case token(String)
        /// Read on every use: service-account tokens are rotated.
        case tokenFile(String)
        case clientCertificate(certificate: [UInt8], key: [UInt8])
        case basic(username: String, password: String)
        case exec(KubeConfig.ExecPlugin)
    }

    public var context: String
    /// `https://host:port`, no trailing slash.
    public var server: String
    public var namespace: String
    public var certificateAuthority: [UInt8]?
    public var insecureSkipTLSVerify: Bool
    public var tlsServerName: String?
    public var credentials: Credentials
    /// Where it came from, for messages.
    public var source: String

    public init(
        context: String, server: String, namespace: String, certificateAuthority: [UInt8]?, insecureSkipTLSVerify: Bool,
        tlsServerName: String?, credentials: Credentials, source: String
    ) {
        self.context = context
        self.server = server
        self.namespace = namespace
        self.certificateAuthority = certificateAuthority
        self.insecureSkipTLSVerify = insecureSkipTLSVerify
        self.tlsServerName = tlsServerName
        self.credentials = credentials
        self.source = source
    }
}

/// A YAML node with its file and field path.
struct Entry {
    let node: Yams.Node
    let file: String
    let path: String
    var mark: Mark?

    init(node: Yams.Node, file: String, path: String, mark: Mark? = nil) {
        self.node = node
        self.file = file
        self.path = path
        self.mark = node.mark ?? mark
    }

    var origin: String { "\(file):\(mark?.line ?? 0)" }

    func fail(_ message: String) -> KubeConfigError {
        KubeConfigError("\(file):\(mark?.line ?? 0): \(path.isEmpty ? "(document)" : path): \(message)")
    }

    subscript(key: String) -> Entry? {
        guard case .mapping(let mapping) = node else { return nil }
        for (k, v) in mapping where k.scalar?.string == key {
            return Entry(node: v, file: file, path: path.isEmpty ? key : "\(path).\(key)", mark: k.mark)
        }
        return nil
    }

    func required(_ key: String) throws(KubeConfigError) -> Entry {
        guard case .mapping = node else { throw fail("expected a mapping") }
        guard let entry = self[key] else { throw fail("missing '\(key)'") }
        return entry
    }

    func list() throws(KubeConfigError) -> [Entry] {
        if case .scalar(let scalar) = node, scalar.string == "null" || scalar.string == "~" || scalar.string.isEmpty {
            return []
        }
        guard case .sequence(let sequence) = node else { throw fail("expected a list") }
        return sequence.enumerated().map { Entry(node: $1, file: file, path: "\(path)[\($0)]", mark: mark) }
    }

    func string() throws(KubeConfigError) -> String {
        guard case .scalar(let scalar) = node else { throw fail("expected a string") }
        return scalar.string
    }

    /// A string, or nil for null/empty.
    func optionalString() throws(KubeConfigError) -> String? {
        guard case .scalar(let scalar) = node else { throw fail("expected a string") }
        if scalar.style == .plain, ["null", "~", ""].contains(scalar.string) { return nil }
        return scalar.string
    }

    func bool() throws(KubeConfigError) -> Bool {
        guard case .scalar(let scalar) = node else { throw fail("expected true or false") }
        switch scalar.string.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off", "", "null", "~": return false
        default: throw fail("expected true or false, got '\(scalar.string)'")
        }
    }

    func base64(_ text: String) throws(KubeConfigError) -> [UInt8] {
        guard let data = Data(base64Encoded: text.filter { !$0.isWhitespace }) else { throw fail("not valid base64") }
        return Array(data)
    }

    func readFile(_ path: String, relativeTo directory: String) throws(KubeConfigError) -> [UInt8] {
        let full = path.hasPrefix("/") ? path : directory + "/" + path
        guard let data = FileManager.default.contents(atPath: full) else { throw fail("cannot read \(full)") }
        return Array(data)
    }
}
