import AsyncHTTPClient
import Foundation
import MTUCore
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// What went wrong talking to the API server, one line each, naming the request.
public enum KubeAPIError: Error, Sendable, Equatable, CustomStringConvertible {
    case credentials(String)
    case tls(String)
    case unreachable(server: String, reason: String)
    case timeout(path: String, seconds: Double)
    case unauthorized(path: String, message: String)
    case forbidden(path: String, message: String)
    case notFound(path: String)
    case status(path: String, code: Int, message: String)
    case invalid(path: String, reason: String)
    /// The answer was larger than the client reads (a hostile or broken server, or a collection too large).
    case tooLarge(path: String, limitBytes: Int)

    public var description: String {
        switch self {
        case .credentials(let message): return "credentials: \(message)"
        case .tls(let message): return "TLS: \(message)"
        case .unreachable(let server, let reason): return "API server \(server) unreachable: \(reason)"
        case .timeout(let path, let seconds): return "GET \(path): no answer within \(Self.format(seconds)) s"
        case .unauthorized(let path, let message):
            return
                "GET \(path): 401 Unauthorized (the credentials were refused)\(message.isEmpty ? "" : ": \(message)")"
        case .forbidden(let path, let message):
            return "GET \(path): 403 Forbidden (RBAC)\(message.isEmpty ? "" : ": \(message)")"
        case .notFound(let path): return "GET \(path): 404 Not Found"
        case .status(let path, let code, let message):
            return "\(path): HTTP \(code)\(message.isEmpty ? "" : ": \(message)")"
        case .invalid(let path, let reason): return "GET \(path): \(reason)"
        case .tooLarge(let path, let limit):
            return "the API server's answer to GET \(path) exceeded \(limit >> 20) MiB: not read further"
        }
    }

    /// The error ends everything (no point asking for other objects): unreachable, credentials, TLS, 401.
    public var isFatal: Bool {
        switch self {
        case .credentials, .tls, .unreachable, .unauthorized: return true
        default: return false
        }
    }

    static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(format: "%.1f", seconds)
    }
}

/// A small Kubernetes API client over AsyncHTTPClient: GET an object, LIST a collection page by page (`limit` and
/// `continue`), server-side apply. TLS trusts the kubeconfig's CA (or the system's), presents the client certificate
/// when there is one; tokens go in `Authorization: Bearer`, a token file is re-read on every request (rotation).
public final class KubeClient: Sendable {
    public let target: KubeTarget
    let http: HTTPClient
    let group: MultiThreadedEventLoopGroup
    let timeoutSeconds: Double
    let authorization: Authorization

    enum Authorization: Sendable {
        case none
        case header(String)
        case tokenFile(String)
        /// A bearer token from an exec plugin: run again when it is about to expire, or once after a 401.
        case exec(KubeConfig.ExecPlugin)
    }

    /// The exec plugin's current token and its expiry.
    let execToken = Mutex<(token: String, expires: Date?)>(("", nil))

    /// The largest answer read per request (a page of a list, or one object); larger ones are an error.
    public static let defaultMaxResponseBytes = 32 << 20
    /// The most objects a list may yield across its pages.
    public static let maxListItems = 200_000
    let maxResponseBytes: Int

    public init(
        target: KubeTarget, timeoutSeconds: Double = 10, maxResponseBytes: Int = KubeClient.defaultMaxResponseBytes
    ) throws(KubeAPIError) {
        self.maxResponseBytes = maxResponseBytes
        self.target = target
        self.timeoutSeconds = timeoutSeconds
        var tls = TLSConfiguration.makeClientConfiguration()
        if target.tlsServerName != nil {
            throw .tls(
                "\(target.source): tls-server-name is not supported; point server at a name the certificate carries")
        }
        if let ca = target.certificateAuthority {
            do {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(ca))
            } catch {
                throw .tls("\(target.source): certificate-authority is not a PEM certificate (\(error))")
            }
        }
        if target.insecureSkipTLSVerify { tls.certificateVerification = .none }
        var certificate: (certificate: [UInt8], key: [UInt8])?
        switch target.credentials {
        case .none: authorization = .none
        case .token(let token): authorization = .header("Bearer \(token)")
        case .tokenFile(let file): authorization = .tokenFile(file)
        case .basic(let username, let password):
            authorization = .header("Basic " + Data("\(username):\(password)".utf8).base64EncodedString())
        case .clientCertificate(let cert, let key):
            authorization = .none
            certificate = (cert, key)
        case .exec(let plugin):
            let result = try ExecCredential.run(plugin)
            if let cert = result.clientCertificate, let key = result.clientKey {
                certificate = (cert, key)
                authorization = .none
            } else {
                authorization = .exec(plugin)
                execToken.withLock { $0 = (result.token ?? "", result.expires) }
            }
        }
        if let certificate {
            do {
                tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(certificate.certificate).map {
                    .certificate($0)
                }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: certificate.key, format: .pem))
            } catch {
                throw .tls("\(target.source): the client certificate or key is not valid PEM (\(error))")
            }
        }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.timeout = .init(
            connect: .milliseconds(Int64(min(timeoutSeconds, 5) * 1000)),
            read: .milliseconds(Int64(timeoutSeconds * 1000)))
        configuration.redirectConfiguration = .disallow
        configuration.httpVersion = .http1Only
        // One event-loop thread of its own: NIO's shared group has a thread per core, and an agent on a 64-core node
        // asks the API server once a round.
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        http = HTTPClient(eventLoopGroupProvider: .shared(group), configuration: configuration)
    }

    deinit {
        try? http.syncShutdown()
        try? group.syncShutdownGracefully()
    }

    /// One object (or one page of a collection).
    public func get(_ path: String) async throws(KubeAPIError) -> JSONValue {
        try await request(.GET, path)
    }

    /// Every item of a collection, following `metadata.continue` page by page.
    public func list(_ path: String, labelSelector: String? = nil, pageSize: Int = 500) async throws(KubeAPIError)
        -> [JSONValue]
    {
        var items: [JSONValue] = []
        var token: String?
        var seen: Set<String> = []
        repeat {
            var query = ["limit=\(pageSize)"]
            if let labelSelector { query.append("labelSelector=" + Self.escape(labelSelector)) }
            if let token { query.append("continue=" + Self.escape(token)) }
            let page = try await request(.GET, path + (path.contains("?") ? "&" : "?") + query.joined(separator: "&"))
            guard case .array(let pageItems) = page["items"] else {
                throw .invalid(path: path, reason: "not a list (no items[])")
            }
            items += pageItems
            guard items.count <= Self.maxListItems else {
                throw .invalid(path: path, reason: "more than \(Self.maxListItems) objects: not read further")
            }
            token = page[path: "metadata.continue"].string.flatMap { $0.isEmpty ? nil : $0 }
            if let token {
                guard seen.insert(token).inserted else {
                    throw .invalid(path: path, reason: "the server repeated a continue token")
                }
                guard seen.count < 10_000 else { throw .invalid(path: path, reason: "more than 10,000 pages") }
            }
        } while token != nil
        return items
    }

    /// Server-side apply (`PATCH` with `application/apply-patch+yaml`): creates or updates the object, owned by
    /// `fieldManager`.
    public func apply(_ path: String, yaml: String, fieldManager: String = "mtu-doctor") async throws(KubeAPIError)
        -> JSONValue
    {
        try await request(
            .PATCH, path + "?fieldManager=\(fieldManager)&force=true", body: Array(yaml.utf8),
            contentType: "application/apply-patch+yaml")
    }

    /// A strategic merge patch (`application/strategic-merge-patch+json`), e.g. on a subresource.
    public func patch(_ path: String, json: JSONValue) async throws(KubeAPIError) -> JSONValue {
        try await request(.PATCH, path, body: Self.encode(json), contentType: "application/strategic-merge-patch+json")
    }

    /// Creates an object (`POST` to its collection).
    public func create(_ path: String, json: JSONValue) async throws(KubeAPIError) -> JSONValue {
        try await request(.POST, path, body: Self.encode(json), contentType: "application/json")
    }

    /// Deletes an object.
    public func delete(_ path: String) async throws(KubeAPIError) -> JSONValue {
        try await request(.DELETE, path)
    }

    /// A text stream (a followed container log): each chunk handed over as it arrives, until the server ends it or
    /// `seconds` pass (then `.timeout`). Error answers are read whole and reported like any other request's.
    public func stream(_ path: String, seconds: Double, _ chunk: @Sendable ([UInt8]) -> Void) async throws(KubeAPIError)
    {
        var request = HTTPClientRequest(url: target.server + path)
        request.headers.add(name: "Accept", value: "*/*")
        request.headers.add(name: "User-Agent", value: "mtu-doctor")
        try addAuthorization(&request)
        let shown = path.split(separator: "?").first.map(String.init) ?? path
        do {
            let response = try await http.execute(request, timeout: .milliseconds(Int64(seconds * 1000)))
            guard response.status.code == 200 else {
                let bytes = try await response.body.collect(upTo: 1 << 20)
                throw Self.failure(status: Int(response.status.code), method: .GET, path: shown, body: bytes)
            }
            for try await buffer in response.body { chunk(Array(buffer.readableBytesView)) }
        } catch {
            throw Self.classify(error, server: target.server, path: shown, seconds: seconds)
        }
    }

    static func encode(_ json: JSONValue) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array((try? encoder.encode(json)) ?? Data("null".utf8))
    }

    func request(_ method: HTTPMethod, _ path: String, body: [UInt8]? = nil, contentType: String? = nil)
        async throws(KubeAPIError) -> JSONValue
    {
        do {
            return try await send(method, path, body: body, contentType: contentType)
        } catch {
            // An exec plugin's token may have been revoked or rotated early: ask the plugin once more, then retry.
            guard case .unauthorized = error, case .exec(let plugin) = authorization else { throw error }
            try refreshExecToken(plugin)
            return try await send(method, path, body: body, contentType: contentType)
        }
    }

    func refreshExecToken(_ plugin: KubeConfig.ExecPlugin) throws(KubeAPIError) {
        let result = try ExecCredential.run(plugin)
        guard let token = result.token else {
            throw .credentials("exec credential plugin '\(plugin.command)': its new ExecCredential has no token")
        }
        execToken.withLock { $0 = (token, result.expires) }
    }

    func send(_ method: HTTPMethod, _ path: String, body: [UInt8]?, contentType: String?) async throws(KubeAPIError)
        -> JSONValue
    {
        var request = HTTPClientRequest(url: target.server + path)
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "mtu-doctor")
        try addAuthorization(&request)
        if let body {
            request.body = .bytes(ByteBuffer(bytes: body))
            if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
        }
        let shown = path.split(separator: "?").first.map(String.init) ?? path
        let status: Int
        let bytes: ByteBuffer
        do {
            let response = try await http.execute(request, timeout: .milliseconds(Int64(timeoutSeconds * 1000)))
            status = Int(response.status.code)
            if (300..<400).contains(status) {
                let location = Sanitize.line(response.headers.first(name: "Location") ?? "elsewhere", limit: 120)
                throw KubeAPIError.status(
                    path: "\(method.rawValue) \(shown)", code: status,
                    message: "redirected to \(location): refused (an API server answers itself)")
            }
            bytes = try await response.body.collect(upTo: maxResponseBytes)
        } catch is NIOTooManyBytesError {
            throw .tooLarge(path: shown, limitBytes: maxResponseBytes)
        } catch {
            throw Self.classify(error, server: target.server, path: shown, seconds: timeoutSeconds)
        }
        guard (200..<300).contains(status) else {
            throw Self.failure(status: status, method: method, path: shown, body: bytes)
        }
        guard let json = JSONValue.parse(bytes.readableBytesView) else {
            throw .invalid(path: shown, reason: "the answer is not JSON")
        }
        return json
    }

    func addAuthorization(_ request: inout HTTPClientRequest) throws(KubeAPIError) {
        switch authorization {
        case .none: break
        case .header(let value): request.headers.add(name: "Authorization", value: value)
        case .tokenFile(let file):
            guard let token = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw .credentials("cannot read the token file \(file)")
            }
            request.headers.add(
                name: "Authorization", value: "Bearer " + token.trimmingCharacters(in: .whitespacesAndNewlines))
        case .exec(let plugin):
            // Expired or about to (within a minute): ask the plugin again, as kubectl does.
            if let expires = execToken.withLock({ $0.expires }), expires.timeIntervalSinceNow < 60 {
                try refreshExecToken(plugin)
            }
            request.headers.add(name: "Authorization", value: "Bearer " + execToken.withLock { $0.token })
        }
    }

    /// An error answer as a KubeAPIError, with the Status object's message (sanitized: server text).
    static func failure(status: Int, method: HTTPMethod, path: String, body: ByteBuffer) -> KubeAPIError {
        let message = JSONValue.parse(body.readableBytesView)?["message"].string.map { Sanitize.line($0) } ?? ""
        switch status {
        case 401: return .unauthorized(path: path, message: message)
        case 403: return .forbidden(path: path, message: message)
        case 404: return .notFound(path: path)
        default: return .status(path: "\(method.rawValue) \(path)", code: status, message: message)
        }
    }

    static func classify(_ error: any Error, server: String, path: String, seconds: Double) -> KubeAPIError {
        if let error = error as? KubeAPIError { return error }
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .writeTimeout: return .timeout(path: path, seconds: seconds)
            case .connectTimeout: return .unreachable(server: server, reason: "connect timed out")
            default: break
            }
        }
        if error is NIOSSLError || String(describing: type(of: error)).contains("SSL") {
            return .tls("\(server): \(error)")
        }
        let text = String(describing: error)
        if text.contains("refused") { return .unreachable(server: server, reason: "connection refused") }
        if text.contains("timeout") || text.contains("Timeout") {
            return .unreachable(server: server, reason: "connect timed out")
        }
        if text.contains("certificate") || text.contains("handshake") { return .tls("\(server): \(text)") }
        return .unreachable(server: server, reason: text.split(separator: "\n").first.map(String.init) ?? text)
    }

    static func escape(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// Runs async API work from a thread that is not the cooperative pool's (the agent's peer discovery, on the
    /// agent's own thread) and waits for it. The commands themselves are async and never use this.
    public static func result<T: Sendable, Failure: Error>(_ body: @escaping @Sendable () async throws(Failure) -> T)
        -> Result<T, Failure>
    {
        let semaphore = DispatchSemaphore(value: 0)
        let box = Mutex<Result<T, Failure>?>(nil)
        Task {
            let result: Result<T, Failure>
            do throws(Failure) { result = .success(try await body()) } catch { result = .failure(error) }
            box.withLock { $0 = result }
            semaphore.signal()
        }
        semaphore.wait()
        return box.withLock { $0! }
    }
}
