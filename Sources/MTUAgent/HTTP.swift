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
        let fd = Glibc.socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "cannot create a socket: \(String(cString: strerror(errno)))") }
        var on: Int32 = 1
        var off: Int32 = 0
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &off, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_port = port.bigEndian
        address.sin6_addr = in6addr_any
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
            }
        }
        guard bound == 0, Glibc.listen(fd, 128) == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(fd)
            throw Failure(description: "cannot listen on TCP port \(port): \(reason)")
        }
        var actual = sockaddr_in6()
        var length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        self.port = UInt16(bigEndian: actual.sin6_port)
    }

    deinit { Glibc.close(listener) }

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
        _ = fcntl(listener, F_SETFL, fcntl(listener, F_GETFL) | O_NONBLOCK)
        var buffer = [UInt8](repeating: 0, count: 4096)
        defer { for connection in connections { ConnectionSafety.reset(connection.fd) } }
        while !shouldStop() {
            let accepting =
                connections.count < Self.maxConnections && (acceptPausedUntil.map { clock.now >= $0 } ?? true)
            var descriptors = connections.map {
                pollfd(fd: $0.fd, events: Int16($0.writing ? POLLOUT : POLLIN), revents: 0)
            }
            descriptors.append(pollfd(fd: accepting ? listener : -1, events: Int16(POLLIN), revents: 0))
            _ = poll(&descriptors, nfds_t(descriptors.count), 100)
            let now = clock.now
            var remaining: [Connection] = []
            for var connection in connections {
                if !connection.writing {
                    while connection.request.count <= Self.maxRequestBytes, !Self.complete(connection.request) {
                        let count = buffer.withUnsafeMutableBytes {
                            Glibc.recv(connection.fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT))
                        }
                        guard count > 0 else {
                            if count == 0 { connection.deadline = now }  // closed before a whole request
                            break
                        }
                        connection.request += buffer[0..<count]
                    }
                    if Self.complete(connection.request) || connection.request.count > Self.maxRequestBytes {
                        connection.reply = respond(to: connection.request, from: connection.source)
                        connection.deadline = now + Self.replyDeadline
                    } else if now >= connection.deadline {
                        if !connection.request.isEmpty {
                            _ = Self.send(
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
                connection.sent += Self.send(connection.fd, connection.reply[connection.sent...])
                if connection.sent >= connection.reply.count {
                    Glibc.close(connection.fd)
                } else if now >= connection.deadline {
                    ConnectionSafety.reset(connection.fd)
                } else {
                    remaining.append(connection)
                }
            }
            connections = remaining
            guard accepting, descriptors.last!.revents & Int16(POLLIN) != 0 else { continue }
            while connections.count < Self.maxConnections {
                var address = sockaddr_in6()
                var length = socklen_t(MemoryLayout<sockaddr_in6>.size)
                let fd = withUnsafeMutablePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.accept(listener, $0, &length) }
                }
                guard fd >= 0 else {
                    // Out of descriptors or memory: wait a moment instead of spinning on a listener that stays readable.
                    if [EMFILE, ENFILE, ENOBUFS, ENOMEM].contains(errno) {
                        acceptPausedUntil = now + .milliseconds(250)
                    }
                    break
                }
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
                let source = Self.describe(address)
                if !allowed.isEmpty,
                    !(IPAddress(source).map { address in allowed.contains { $0.contains(address) } } ?? false)
                {
                    _ = Self.send(
                        fd,
                        Self.encode(
                            Response(status: 403, body: "forbidden: \(source) is not in the allowed networks\n"))[...])
                    Glibc.close(fd)
                    continue
                }
                connections.append(Connection(fd: fd, source: source, deadline: now + Self.requestDeadline))
            }
        }
    }

    /// Sends what the socket takes now; the count sent.
    static func send(_ fd: Int32, _ bytes: ArraySlice<UInt8>) -> Int {
        var sent = 0
        while sent < bytes.count {
            let count = bytes.dropFirst(sent).withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
            }
            guard count > 0 else { break }
            sent += count
        }
        return sent
    }

    static func describe(_ address: sockaddr_in6) -> String {
        var copy = address.sin6_addr
        let bytes = withUnsafeBytes(of: &copy) { Array($0) }
        if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xff, bytes[11] == 0xff {
            return bytes[12..<16].map(String.init).joined(separator: ".")
        }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        inet_ntop(AF_INET6, &copy, &buffer, socklen_t(buffer.count))
        return String(cString: buffer)
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
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var info: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &info) == 0, let first = info else {
            throw Failure(description: "\(host): cannot resolve")
        }
        defer { freeaddrinfo(info) }
        let fd = Glibc.socket(first.pointee.ai_family, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "cannot create a socket") }
        defer { Glibc.close(fd) }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        _ = Glibc.connect(fd, first.pointee.ai_addr, first.pointee.ai_addrlen)
        var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        var problem: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard poll(&poller, 1, Int32(timeoutMilliseconds)) > 0,
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &problem, &length) == 0, problem == 0
        else {
            throw Failure(
                description:
                    "\(host):\(port): cannot connect (\(problem == 0 ? "timed out" : String(cString: strerror(problem))))"
            )
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        var timeout = timeval(tv_sec: timeoutMilliseconds / 1000, tv_usec: Int((timeoutMilliseconds % 1000) * 1000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let request = Array(
            "GET \(path) HTTP/1.1\r\nHost: \(host)\r\nAuthorization: Bearer \(token)\r\nConnection: close\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while response.count < 64 << 20 {
            let count = buffer.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            response += buffer[0..<count]
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
