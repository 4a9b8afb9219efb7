import Foundation
import Glibc
import Testing

@testable import MTUAgent

/// The agent's HTTP API under abuse, in-process on loopback (issue 17): the token only as a Bearer header (any case
/// of the scheme), a whole-request deadline that frees slow clients, no thread per connection.
@Suite("Agent HTTP: bounded", .serialized)
struct AgentHTTPTests {
    final class Stop: @unchecked Sendable { var stop = false }

    func withServer(token: String, _ body: (UInt16) throws -> Void) throws {
        let server = try AgentHTTPServer(port: 0, allowed: [], token: token) { path, _ in
            .init(status: path == "/results" ? 200 : 404, body: "ok \(path)\n")
        }
        let flag = Stop()
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            server.run(until: { flag.stop })
            done.signal()
        }
        defer {
            flag.stop = true
            done.wait()
        }
        try body(server.port)
    }

    func connect(_ port: UInt16) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var remote = sockaddr_in()
        remote.sin_family = sa_family_t(AF_INET)
        remote.sin_port = port.bigEndian
        inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr)
        _ = withUnsafePointer(to: &remote) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    func get(_ port: UInt16, _ request: String) -> String {
        let fd = connect(port)
        defer { close(fd) }
        _ = Array(request.utf8).withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            response += buffer[0..<count]
        }
        return String(decoding: response, as: UTF8.self)
    }

    static func threads() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count) ?? -1
    }

    @Test func tokenOnlyAsBearerInAnyCase() throws {
        try withServer(token: "s3cret") { port in
            #expect(
                get(port, "GET /results HTTP/1.1\r\nAuthorization: Bearer s3cret\r\n\r\n").hasPrefix("HTTP/1.1 200"))
            #expect(
                get(port, "GET /results HTTP/1.1\r\nauthorization: bearer s3cret\r\n\r\n").hasPrefix("HTTP/1.1 200"),
                "the scheme is case-insensitive")
            #expect(
                get(port, "GET /results?token=s3cret HTTP/1.1\r\n\r\n").hasPrefix("HTTP/1.1 401"),
                "a token in the URL ends up in logs: refused")
            #expect(get(port, "GET /results HTTP/1.1\r\nAuthorization: Bearer s3cre\r\n\r\n").hasPrefix("HTTP/1.1 401"))
            #expect(
                get(port, "GET /results HTTP/1.1\r\nAuthorization: s3cret\r\n\r\n").hasPrefix("HTTP/1.1 401"),
                "no scheme, no entry")
            #expect(
                get(port, "GET /healthz HTTP/1.1\r\n\r\n").hasPrefix("HTTP/1.1 404"),
                "health needs no token (404 from this handler)")
            #expect(get(port, "POST /results HTTP/1.1\r\n\r\n").hasPrefix("HTTP/1.1 405"))
        }
    }

    /// 300 slow-loris clients: no thread per connection, each dropped at the whole-request deadline, and the API
    /// answers again once their slots are freed.
    @Test func slowClientsAreDroppedAndCostNoThreads() throws {
        try withServer(token: "") { port in
            let before = Self.threads()
            var slow: [Int32] = []
            defer { for fd in slow { close(fd) } }
            for _ in 0..<300 {
                let fd = connect(port)
                _ = Array("GET /results HTTP/1.1\r\nX-Slow: ".utf8).withUnsafeBytes {
                    send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
                }
                slow.append(fd)
            }
            usleep(500_000)
            #expect(Self.threads() <= before + 2, "threads \(before) → \(Self.threads())")
            // Keep trickling one byte each: a per-read timeout would let them stay; the whole-request deadline does not.
            let start = ContinuousClock.now
            var byte: UInt8 = 0x61
            for fd in slow { _ = send(fd, &byte, 1, Int32(MSG_NOSIGNAL)) }
            usleep(2_600_000)
            var dropped = 0
            for fd in slow.prefix(Int(AgentHTTPServer.maxConnections)) {
                var buffer = [UInt8](repeating: 0, count: 512)
                let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
                if count == 0 || (count < 0 && errno == ECONNRESET)
                    || String(decoding: buffer.prefix(max(count, 0)), as: UTF8.self).hasPrefix("HTTP/1.1 408")
                {
                    dropped += 1
                }
            }
            #expect(
                dropped == AgentHTTPServer.maxConnections, "dropped \(dropped) after \(ContinuousClock.now - start)")
            #expect(
                get(port, "GET /results HTTP/1.1\r\n\r\n").hasPrefix("HTTP/1.1 200"), "answers once the slots are free")
        }
    }
}
