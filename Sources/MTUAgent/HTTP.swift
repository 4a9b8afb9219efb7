#if os(Linux)
import AsyncHTTPClient
import Foundation
import MTUCore
import MTUProbe
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// The agent's HTTP API on SwiftNIO's HTTP/1.1 codec (swift-nio, `NIOHTTP1`): GET and HEAD only, one request per
/// connection, `Connection: close`. Bounded everywhere: at most `maxConnections` open (beyond that the listener
/// stops accepting and the kernel's backlog holds the rest), a request must be complete (8 KiB at most) within
/// `requestDeadline` from accept — not per read, so a slow client cannot stay — and a reply must be taken within
/// `replyDeadline`. Requests from outside the allowed networks are refused before they are read; everything but the
/// health endpoints needs the shared token, as `Authorization: Bearer …` only (a token in the URL ends up in logs),
/// compared in constant time. The event loops are NIO's shared group: no thread per connection.
public final class AgentHTTPServer: Sendable {
    public struct Response: Sendable, Equatable {
        public var status: Int
        public var contentType: String
        public var body: [UInt8]

        public init(status: Int, contentType: String = "text/plain; charset=utf-8", body: String) {
            self.status = status
            self.contentType = contentType
            self.body = Array(body.utf8)
        }
    }

    public static let maxConnections = 256
    public static let maxRequestBytes = 8192
    public static let requestDeadline = Duration.seconds(2)
    public static let replyDeadline = Duration.seconds(5)

    public let port: UInt16
    let listener: any Channel
    let limiter: ConnectionLimiter

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
        public init(description: String) { self.description = description }
    }

    public init(
        port: UInt16, allowed: [IPNetwork], token: String,
        handler: @escaping @Sendable (String, [String: String]) -> Response
    ) throws(Failure) {
        let routing = AgentHTTPRouting(allowed: allowed, token: token, handler: handler)
        let limiter = ConnectionLimiter(limit: Self.maxConnections)
        self.limiter = limiter
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            // Dual stack: IPv4 clients arrive IPv4-mapped on [::].
            .serverChannelOption(.ipOption(.init(rawValue: IPV6_V6ONLY)), value: 0)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(limiter) }
            }
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try Self.configure(channel, routing: routing) }
            }
        do {
            listener = try bootstrap.bind(host: "::", port: Int(port)).wait()
        } catch {
            throw Failure(description: "cannot listen on TCP port \(port): \(error)")
        }
        self.port = UInt16(listener.localAddress?.port ?? Int(port))
    }

    deinit { listener.close(promise: nil) }

    /// One connection's handlers: a byte limit before the decoder, NIO's HTTP/1 request decoder and response
    /// encoder, then the routing. Used by the listener and, over an `EmbeddedChannel`, by the in-process tests.
    static func configure(_ channel: any Channel, routing: AgentHTTPRouting) throws {
        try channel.pipeline.syncOperations.addHandlers([
            RequestSizeLimit(limit: maxRequestBytes),
            ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)),
            HTTPResponseEncoder(),
            AgentHTTPHandler(routing: routing),
        ])
    }

    /// Serves until `shouldStop` (checked every 100 ms); then stops listening and closes every open connection.
    public func run(until shouldStop: @Sendable () -> Bool) {
        while !shouldStop() { usleep(100_000) }
        try? listener.close().wait()
        limiter.closeAll()
    }

    /// The status line, headers and body of a reply (the encoder writes them; tests compare against them).
    static func head(_ response: Response) -> HTTPResponseHead {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: response.contentType)
        headers.add(name: "Content-Length", value: String(response.body.count))
        headers.add(name: "Connection", value: "close")
        return HTTPResponseHead(version: .http1_1, status: .init(statusCode: response.status), headers: headers)
    }
}

/// What the agent answers, pure: the allowed networks, the token and the routes. No I/O, so every rule is tested
/// without a socket.
struct AgentHTTPRouting: Sendable {
    var allowed: [IPNetwork]
    var token: String
    var handler: @Sendable (String, [String: String]) -> AgentHTTPServer.Response

    /// The refusal for a client outside the allowed networks, nil when it may ask.
    func refusal(for source: String) -> AgentHTTPServer.Response? {
        guard !allowed.isEmpty else { return nil }
        let inside = IPAddress(source).map { address in allowed.contains { $0.contains(address) } } ?? false
        return inside ? nil : .init(status: 403, body: "forbidden: \(source) is not in the allowed networks\n")
    }

    /// The reply to one request head.
    func respond(to head: HTTPRequestHead) -> AgentHTTPServer.Response {
        guard head.method == .GET || head.method == .HEAD else {
            return .init(status: 405, body: "only GET\n")
        }
        let parts = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let path = String(parts.first ?? "")
        var query: [String: String] = [:]
        if parts.count == 2 {
            for pair in parts[1].split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1).map {
                    String($0).removingPercentEncoding ?? String($0)
                }
                if kv.count == 2 { query[kv[0]] = kv[1] }
            }
        }
        let open = path == "/healthz" || path == "/readyz"
        if !open, !token.isEmpty, !Self.authorized(head.headers, token: token) {
            return .init(status: 401, body: "unauthorized: send the shared token as Authorization: Bearer <token>\n")
        }
        return handler(path, query)
    }

    /// `Authorization: Bearer <token>` (the scheme in any case, RFC 9110), compared in constant time.
    static func authorized(_ headers: HTTPHeaders, token: String) -> Bool {
        guard let value = headers.first(name: "authorization")?.trimmingCharacters(in: .whitespaces),
            value.lowercased().hasPrefix("bearer ")
        else { return false }
        return ConnectionSafety.constantTimeEqual(
            Array(value.dropFirst(7).trimmingCharacters(in: .whitespaces).utf8), Array(token.utf8))
    }
}

/// On the listening channel: counts open connections and stops accepting (auto-read off) at the limit, so the
/// kernel's backlog holds the rest until a slot is free; closes them all when the server stops.
final class ConnectionLimiter: ChannelInboundHandler, Sendable {
    typealias InboundIn = any Channel

    let limit: Int
    private let open = NIOLockedValueBox<[ObjectIdentifier: any Channel]>([:])

    init(limit: Int) { self.limit = limit }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let child = unwrapInboundIn(data)
        let count = open.withLockedValue {
            $0[ObjectIdentifier(child)] = child
            return $0.count
        }
        let server = context.channel
        if count >= limit { server.setOption(.autoRead, value: false).whenComplete { _ in } }
        child.closeFuture.whenComplete { [open, limit] _ in
            let remaining = open.withLockedValue {
                $0[ObjectIdentifier(child)] = nil
                return $0.count
            }
            guard remaining < limit, server.isActive else { return }
            server.getOption(.autoRead).whenSuccess { reading in
                guard !reading else { return }
                server.setOption(.autoRead, value: true).whenSuccess { server.read() }
            }
        }
        context.fireChannelRead(data)
    }

    func closeAll() {
        for channel in open.withLockedValue({ Array($0.values) }) { channel.close(promise: nil) }
    }
}

/// Before the HTTP decoder: once a client has sent more than the limit, nothing more of it is read, and the
/// connection's handler is told (`TooLarge`) so that it answers 400 through the same encoder as every reply.
final class RequestSizeLimit: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// The event the handler answers with 400.
    struct TooLarge {}

    let limit: Int
    var seen = 0

    init(limit: Int) { self.limit = limit }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard seen <= limit else { return }
        seen += unwrapInboundIn(data).readableBytes
        guard seen <= limit else {
            context.fireUserInboundEventTriggered(TooLarge())
            return
        }
        context.fireChannelRead(data)
    }
}

/// One connection: the allowed-network check on accept, the request deadline, the reply, the reply deadline.
final class AgentHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let routing: AgentHTTPRouting
    var request: HTTPRequestHead?
    var answered = false
    var deadline: Scheduled<Void>?

    init(routing: AgentHTTPRouting) { self.routing = routing }

    func channelActive(context: ChannelHandlerContext) {
        let source = Self.source(context.remoteAddress)
        if let refusal = routing.refusal(for: source) {
            reply(refusal, head: false, context: context)
            return
        }
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: .init(AgentHTTPServer.requestDeadline)) {
            [self] in
            guard !answered else { return }
            reply(
                .init(status: 408, body: "request timeout: no complete request within 2 s\n"), head: false,
                context: context)
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): request = head
        case .body: break  // GET and HEAD carry none; the size limit bounds what a client can send
        case .end:
            guard let request, !answered else { return }
            reply(routing.respond(to: request), head: request.method == .HEAD, context: context)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is RequestSizeLimit.TooLarge else { return context.fireUserInboundEventTriggered(event) }
        guard !answered else { return }
        reply(
            .init(status: 400, body: "bad request: over \(AgentHTTPServer.maxRequestBytes / 1024) KiB\n"), head: false,
            context: context)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard !answered else {
            context.close(promise: nil)
            return
        }
        reply(.init(status: 400, body: "bad request line\n"), head: false, context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        context.fireChannelInactive()
    }

    /// Writes the whole reply and closes; a client that does not take it within the reply deadline is dropped.
    func reply(_ response: AgentHTTPServer.Response, head: Bool, context: ChannelHandlerContext) {
        answered = true
        deadline?.cancel()
        context.write(wrapOutboundOut(.head(AgentHTTPServer.head(response))), promise: nil)
        if !head {
            context.write(
                wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: response.body)))),
                promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: .init(AgentHTTPServer.replyDeadline)) {
            context.close(promise: nil)
        }
    }

    /// The client's address as text, IPv4-mapped given as IPv4 (the dual-stack listener sees IPv4 clients so).
    static func source(_ address: SocketAddress?) -> String {
        guard let text = address?.ipAddress else { return "unknown" }
        return ProbeAddress(text).map { $0.unmapped.description } ?? text
    }
}

/// The agents' `/results` for `kube mesh` and `kube audit --agents` (agents speak plain HTTP on their own network),
/// over AsyncHTTPClient's shared client.
public enum AgentHTTPClient {
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// GET `http://host:port/path` with the bearer token, the whole exchange within the timeout; the body of a 200
    /// (at most 64 MiB), or a failure naming the agent and what went wrong.
    public static func get(host: String, port: UInt16, path: String, token: String, timeoutMilliseconds: Int = 3000)
        async throws(Failure) -> [UInt8]
    {
        let authority = host.contains(":") ? "[\(host)]" : host
        var request = HTTPClientRequest(url: "http://\(authority):\(port)\(path)")
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        let response: HTTPClientResponse
        do {
            response = try await HTTPClient.shared.execute(request, timeout: .milliseconds(Int64(timeoutMilliseconds)))
        } catch {
            throw Failure(description: "\(host):\(port): \(reason(error, timeoutMilliseconds: timeoutMilliseconds))")
        }
        guard response.status == .ok else {
            throw Failure(description: "\(host):\(port)\(path): HTTP \(response.status.code)")
        }
        do {
            return Array(buffer: try await response.body.collect(upTo: 64 << 20))
        } catch {
            throw Failure(
                description: "\(host):\(port)\(path): \(reason(error, timeoutMilliseconds: timeoutMilliseconds))")
        }
    }

    /// One line for what AsyncHTTPClient and NIO report.
    static func reason(_ error: any Error, timeoutMilliseconds: Int) -> String {
        if let error = error as? HTTPClientError {
            if [.deadlineExceeded, .connectTimeout, .readTimeout].contains(error) {
                return "timed out after \(timeoutMilliseconds) ms"
            }
            if error == .remoteConnectionClosed { return "the agent closed the connection before answering" }
        }
        switch error {
        case is NIOTooManyBytesError: return "the answer is over 64 MiB"
        case let error as IOError: return "cannot connect (\(String(cString: strerror(error.errnoCode))))"
        case let error as NIOConnectionError:
            let first = (error.connectionErrors.first?.error).map {
                reason($0, timeoutMilliseconds: timeoutMilliseconds)
            }
            return first ?? (error.dnsAError ?? error.dnsAAAAError).map { "cannot resolve (\($0))" } ?? "cannot connect"
        default: return String(describing: error)
        }
    }
}
#endif
