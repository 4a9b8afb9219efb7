#if os(Linux)
import Foundation
import Glibc
import MTUCore
import MTUProbe

/// A deliberately small HTTP/1.1 server for the agent: GET only, one request per connection, `Connection: close`,
/// one thread for every connection (a poll loop, no thread per client). Bounded everywhere: at most
/// `maxConnections` open, a request must be complete (8 KiB at most) within `requestDeadline` from accept — not per
/// read, so a slow client cannot stay — and a reply must be taken within `replyDeadline`; accept errors (descriptor
/// limit) back off instead of spinning. Requests from outside the allowed networks are refused before they are
/// read; everything but the health endpoints needs the shared token, as `Authorization: Bearer …` only (a token in
/// the URL ends up in logs), compared in constant time.
public final class AgentHTTPServer: Sendable {
    public struct Response: Sendable {
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

    let listener: Int32
    public let port: UInt16
    let allowed: [IPNetwork]
    let token: String
    let handler: @Sendable (_ path: String, _ query: [String: String]) -> Response

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
        public init(description: String) { self.description = description }
    }

    public init(
        port: UInt16, allowed: [IPNetwork], token: String,
        handler: @escaping @Sendable (String, [String: String]) -> Response
    ) throws(Failure) {
        self.allowed = allowed
        self.token = token
        self.handler = handler
        do {
            (listener, self.port) = try Syscall.listenTCP(port: port)
        } catch {
            throw Failure(description: "cannot listen on TCP port \(port): \(error)")
        }
    }

    deinit { Syscall.close(listener) }

    /// One client: reading until its request is complete, then writing the reply; each phase has a deadline.
    struct Connection {
        var fd: Int32
        var source: String
        var request: [UInt8] = []
        var reply: [UInt8] = []
        var sent = 0
        var deadline: ContinuousClock.Instant
        var writing: Bool { !reply.isEmpty }
    }

    /// Serves until `shouldStop` (checked at least every 200 ms).
    public func run(until shouldStop: @Sendable () -> Bool) {
        let clock = ContinuousClock()
        var connections: [Connection] = []
        var acceptPausedUntil: ContinuousClock.Instant?
        var buffer = [UInt8](repeating: 0, count: 4096)
        defer { for connection in connections { ConnectionSafety.reset(connection.fd) } }
        while !shouldStop() {
            let accepting =
                connections.count < Self.maxConnections && (acceptPausedUntil.map { clock.now >= $0 } ?? true)
            var descriptors = connections.map {
                pollfd(fd: $0.fd, events: Int16($0.writing ? POLLOUT : POLLIN), revents: 0)
            }
            descriptors.append(pollfd(fd: accepting ? listener : -1, events: Int16(POLLIN), revents: 0))
            _ = try? Syscall.poll(&descriptors, milliseconds: 100)
            let now = clock.now
            var remaining: [Connection] = []
            for var connection in connections {
                if !connection.writing {
                    while connection.request.count <= Self.maxRequestBytes, !Self.complete(connection.request) {
                        let count: Int?
                        do {
                            count = try Syscall.receiveAvailable(connection.fd, into: &buffer)
                        } catch {
                            count = 0  // a reset: as closed
                        }
                        guard let count else { break }  // nothing more now
                        guard count > 0 else {
                            connection.deadline = now  // closed before a whole request
                            break
                        }
                        connection.request += buffer[0..<count]
                    }
                    if Self.complete(connection.request) || connection.request.count > Self.maxRequestBytes {
                        connection.reply = respond(to: connection.request, from: connection.source)
                        connection.deadline = now + Self.replyDeadline
                    } else if now >= connection.deadline {
                        if !connection.request.isEmpty {
                            _ = Syscall.sendAvailable(
                                connection.fd,
                                Self.encode(
                                    Response(status: 408, body: "request timeout: no complete request within 2 s\n"))[
                                        ...])
                        }
                        ConnectionSafety.reset(connection.fd)
                        continue
                    } else {
                        remaining.append(connection)
                        continue
                    }
                }
                connection.sent += Syscall.sendAvailable(connection.fd, connection.reply[connection.sent...])
                if connection.sent >= connection.reply.count {
                    Syscall.close(connection.fd)
                } else if now >= connection.deadline {
                    ConnectionSafety.reset(connection.fd)
                } else {
                    remaining.append(connection)
                }
            }
            connections = remaining
            guard accepting, descriptors.last!.revents & Int16(POLLIN) != 0 else { continue }
            while connections.count < Self.maxConnections {
                let fd: Int32
                let source: String
                do {
                    guard let accepted = try Syscall.accept(listener) else { break }
                    (fd, source) = (accepted.fd, accepted.peer.description)
                } catch {
                    // Out of descriptors or memory: wait a moment instead of spinning on a listener that stays readable.
                    if [EMFILE, ENFILE, ENOBUFS, ENOMEM].contains(error.errno) {
                        acceptPausedUntil = now + .milliseconds(250)
                    }
                    break
                }
                if !allowed.isEmpty,
                    !(IPAddress(source).map { address in allowed.contains { $0.contains(address) } } ?? false)
                {
                    _ = Syscall.sendAvailable(
                        fd,
                        Self.encode(
                            Response(status: 403, body: "forbidden: \(source) is not in the allowed networks\n"))[...])
                    Syscall.close(fd)
                    continue
                }
                connections.append(Connection(fd: fd, source: source, deadline: now + Self.requestDeadline))
            }
        }
    }

    /// The whole reply for one request (pure but for the handler): status line, headers, body.
    func respond(to request: [UInt8], from source: String) -> [UInt8] {
        guard Self.complete(request), request.count <= Self.maxRequestBytes else {
            return Self.encode(Response(status: 400, body: "bad request: incomplete or over 8 KiB\n"))
        }
        let text = String(decoding: request, as: UTF8.self)
        let lines = text.components(separatedBy: "\r\n")
        let parts = lines[0].split(separator: " ")
        guard parts.count == 3, parts[2].hasPrefix("HTTP/1.") else {
            return Self.encode(Response(status: 400, body: "bad request line\n"))
        }
        guard parts[0] == "GET" || parts[0] == "HEAD" else {
            return Self.encode(Response(status: 405, body: "only GET\n"))
        }
        let target = String(parts[1])
        let path = String(target.split(separator: "?", maxSplits: 1).first ?? "")
        var query: [String: String] = [:]
        if let rest = target.split(separator: "?", maxSplits: 1).dropFirst().first {
            for pair in rest.split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1).map {
                    String($0).removingPercentEncoding ?? String($0)
                }
                if kv.count == 2 { query[kv[0]] = kv[1] }
            }
        }
        let open = path == "/healthz" || path == "/readyz"
        if !open, !token.isEmpty, !Self.authorized(lines.dropFirst(), token: token) {
            return Self.encode(
                Response(status: 401, body: "unauthorized: send the shared token as Authorization: Bearer <token>\n"))
        }
        return Self.encode(handler(path, query), head: parts[0] == "HEAD")
    }

    /// `Authorization: Bearer <token>` (the scheme in any case, RFC 9110), compared in constant time.
    static func authorized(_ headers: ArraySlice<String>, token: String) -> Bool {
        guard let header = headers.first(where: { $0.lowercased().hasPrefix("authorization:") }) else { return false }
        let value = header.dropFirst("authorization:".count).trimmingCharacters(in: .whitespaces)
        guard value.lowercased().hasPrefix("bearer ") else { return false }
        return ConnectionSafety.constantTimeEqual(
            Array(value.dropFirst(7).trimmingCharacters(in: .whitespaces).utf8), Array(token.utf8))
    }

    static func complete(_ request: [UInt8]) -> Bool {
        request.count >= 4
            && request.indices.dropLast(3).contains {
                request[$0] == 13 && request[$0 + 1] == 10 && request[$0 + 2] == 13 && request[$0 + 3] == 10
            }
    }

    static func encode(_ response: Response, head: Bool = false) -> [UInt8] {
        let reason =
            [
                200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
                405: "Method Not Allowed", 408: "Request Timeout", 503: "Service Unavailable",
            ][response.status] ?? "Status"
        var bytes = Array(
            "HTTP/1.1 \(response.status) \(reason)\r\nContent-Type: \(response.contentType)\r\nContent-Length: \(response.body.count)\r\nConnection: close\r\n\r\n"
                .utf8)
        if !head { bytes += response.body }
        return bytes
    }
}

/// A small blocking HTTP GET for `kube mesh --peers` (agents speak plain HTTP on their own network).
public enum AgentHTTPClient {
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// GET `http://host:port/path` with the bearer token; the body of a 200, or a failure naming the status.
    public static func get(host: String, port: UInt16, path: String, token: String, timeoutMilliseconds: Int = 3000)
        throws(Failure) -> [UInt8]
    {
        guard let address = Syscall.resolve(host) else { throw Failure(description: "\(host): cannot resolve") }
        let deadline = ContinuousClock.now + .milliseconds(timeoutMilliseconds)
        let fd: Int32
        do {
            fd = try Syscall.tcpConnect(to: address, port: port, timeoutMilliseconds: timeoutMilliseconds)
        } catch {
            let reason = error.errno == ETIMEDOUT ? "timed out" : String(cString: strerror(error.errno))
            throw Failure(description: "\(host):\(port): cannot connect (\(reason))")
        }
        defer { Syscall.close(fd) }
        let request = Array(
            "GET \(path) HTTP/1.1\r\nHost: \(host)\r\nAuthorization: Bearer \(token)\r\nConnection: close\r\n\r\n".utf8)
        // The whole exchange within the timeout: every byte of the request sent, the answer read until the agent
        // closes (at most 64 MiB).
        var response: [UInt8] = []
        do {
            try Syscall.sendAll(fd, request)
            while response.count < 64 << 20, ContinuousClock.now < deadline {
                guard let chunk = try Syscall.receive(fd, until: deadline) else { break }
                response += chunk
            }
        } catch {
            throw Failure(description: "\(host):\(port): \(error)")
        }
        guard
            let split = response.indices.dropLast(3).first(where: {
                response[$0] == 13 && response[$0 + 1] == 10 && response[$0 + 2] == 13 && response[$0 + 3] == 10
            })
        else {
            throw Failure(description: "\(host):\(port): no HTTP answer")
        }
        let head = String(decoding: response[..<split], as: UTF8.self)
        let status = head.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        guard status == 200 else { throw Failure(description: "\(host):\(port)\(path): HTTP \(status)") }
        return Array(response[(split + 4)...])
    }
}
#endif
