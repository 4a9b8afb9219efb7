#if os(Linux)
import Foundation
import Glibc
import MTUCore

/// A deliberately small HTTP/1.1 server for the agent: GET only, one request per connection, bounded reads with a
/// 2 s deadline, `Connection: close`. Requests from outside the allowed networks are refused before they are read;
/// everything but the health endpoints needs the shared token (`Authorization: Bearer …` or `?token=`).
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

    let listener: Int32
    public let port: UInt16
    let allowed: [IPNetwork]
    let token: String
    let handler: @Sendable (_ path: String, _ query: [String: String]) -> Response

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
        public init(description: String) { self.description = description }
    }

    public init(port: UInt16, allowed: [IPNetwork], token: String, handler: @escaping @Sendable (String, [String: String]) -> Response) throws(Failure) {
        self.allowed = allowed
        self.token = token
        self.handler = handler
        let fd = Glibc.socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "cannot create a socket: \(String(cString: strerror(errno)))") }
        var on: Int32 = 1, off: Int32 = 0
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &off, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_port = port.bigEndian
        address.sin6_addr = in6addr_any
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) } }
        guard bound == 0, Glibc.listen(fd, 128) == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(fd)
            throw Failure(description: "cannot listen on TCP port \(port): \(reason)")
        }
        var actual = sockaddr_in6()
        var length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        _ = withUnsafeMutablePointer(to: &actual) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        listener = fd
        self.port = UInt16(bigEndian: actual.sin6_port)
    }

    deinit { Glibc.close(listener) }

    /// Serves until `shouldStop` (checked every 200 ms).
    public func run(until shouldStop: @Sendable () -> Bool) {
        while !shouldStop() {
            var poller = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 200) > 0 else { continue }
            var address = sockaddr_in6()
            var length = socklen_t(MemoryLayout<sockaddr_in6>.size)
            let connection = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.accept(listener, $0, &length) } }
            guard connection >= 0 else { continue }
            let source = Self.describe(address)
            Thread.detachNewThread { [self] in
                serve(connection, from: source)
            }
        }
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

    func serve(_ fd: Int32, from source: String) {
        defer { Glibc.close(fd) }
        if !allowed.isEmpty, !(IPAddress(source).map { address in allowed.contains { $0.contains(address) } } ?? false) {
            write(fd, Response(status: 403, body: "forbidden: \(source) is not in the allowed networks\n"))
            return
        }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var request: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while request.count < 8192, !Self.complete(request) {
            let count = buffer.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { break }
            request += buffer[0..<count]
        }
        guard Self.complete(request) else {
            write(fd, Response(status: 400, body: "bad request: incomplete or over 8 KiB\n"))
            return
        }
        let text = String(decoding: request, as: UTF8.self)
        let lines = text.components(separatedBy: "\r\n")
        let parts = lines[0].split(separator: " ")
        guard parts.count == 3, parts[2].hasPrefix("HTTP/1.") else {
            write(fd, Response(status: 400, body: "bad request line\n"))
            return
        }
        guard parts[0] == "GET" || parts[0] == "HEAD" else {
            write(fd, Response(status: 405, body: "only GET\n"))
            return
        }
        let target = String(parts[1])
        let path = String(target.split(separator: "?", maxSplits: 1).first ?? "")
        var query: [String: String] = [:]
        if let rest = target.split(separator: "?", maxSplits: 1).dropFirst().first {
            for pair in rest.split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
                if kv.count == 2 { query[kv[0]] = kv[1] }
            }
        }
        let bearer = lines.dropFirst().first { $0.lowercased().hasPrefix("authorization:") }
            .map { $0.dropFirst("authorization:".count).trimmingCharacters(in: .whitespaces) }
        let presented = bearer.map { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : $0 } ?? query["token"]
        let open = path == "/healthz" || path == "/readyz"
        if !open, !token.isEmpty, presented != token {
            write(fd, Response(status: 401, body: "unauthorized: the shared token is required\n"))
            return
        }
        write(fd, handler(path, query), head: parts[0] == "HEAD")
    }

    static func complete(_ request: [UInt8]) -> Bool {
        request.count >= 4 && request.indices.dropLast(3).contains { request[$0] == 13 && request[$0 + 1] == 10 && request[$0 + 2] == 13 && request[$0 + 3] == 10 }
    }

    func write(_ fd: Int32, _ response: Response, head: Bool = false) {
        let reason = [200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 503: "Service Unavailable"][response.status] ?? "Status"
        var bytes = Array("HTTP/1.1 \(response.status) \(reason)\r\nContent-Type: \(response.contentType)\r\nContent-Length: \(response.body.count)\r\nConnection: close\r\n\r\n".utf8)
        if !head { bytes += response.body }
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { return }
            sent += count
        }
    }
}

/// A small blocking HTTP GET for `kube mesh --peers` (agents speak plain HTTP on their own network).
public enum AgentHTTPClient {
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// GET `http://host:port/path` with the bearer token; the body of a 200, or a failure naming the status.
    public static func get(host: String, port: UInt16, path: String, token: String, timeoutMilliseconds: Int = 3000) throws(Failure) -> [UInt8] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var info: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &info) == 0, let first = info else { throw Failure(description: "\(host): cannot resolve") }
        defer { freeaddrinfo(info) }
        let fd = Glibc.socket(first.pointee.ai_family, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "cannot create a socket") }
        defer { Glibc.close(fd) }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        _ = Glibc.connect(fd, first.pointee.ai_addr, first.pointee.ai_addrlen)
        var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        var problem: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard poll(&poller, 1, Int32(timeoutMilliseconds)) > 0, getsockopt(fd, SOL_SOCKET, SO_ERROR, &problem, &length) == 0, problem == 0 else {
            throw Failure(description: "\(host):\(port): cannot connect (\(problem == 0 ? "timed out" : String(cString: strerror(problem))))")
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        var timeout = timeval(tv_sec: timeoutMilliseconds / 1000, tv_usec: Int((timeoutMilliseconds % 1000) * 1000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let request = Array("GET \(path) HTTP/1.1\r\nHost: \(host)\r\nAuthorization: Bearer \(token)\r\nConnection: close\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while response.count < 64 << 20 {
            let count = buffer.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            response += buffer[0..<count]
        }
        guard let split = response.indices.dropLast(3).first(where: { response[$0] == 13 && response[$0 + 1] == 10 && response[$0 + 2] == 13 && response[$0 + 3] == 10 }) else {
            throw Failure(description: "\(host):\(port): no HTTP answer")
        }
        let head = String(decoding: response[..<split], as: UTF8.self)
        let status = head.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        guard status == 200 else { throw Failure(description: "\(host):\(port)\(path): HTTP \(status)") }
        return Array(response[(split + 4)...])
    }
}
#endif
