import Foundation
import NIOCore
import NIOEmbedded
import Testing

@testable import MTUAgent
@testable import MTUCore

/// The agent's HTTP server in-process, over NIO's `EmbeddedChannel` (no socket, no root, no clock): the same
/// handlers the listener installs, fed raw bytes from a chosen client address, with virtual time for the deadlines.
@Suite("Agent HTTP: in process")
struct AgentHTTPInProcessTests {
    /// What one connection answered, and whether the server closed it.
    struct Exchange {
        var response: String
        var closed: Bool
        var status: Int? { Int(response.split(separator: " ").dropFirst().first ?? "") }
        var body: String {
            response.range(of: "\r\n\r\n").map { String(response[$0.upperBound...]) } ?? ""
        }
    }

    static func routing(token: String = "s3cret", allowed: [String] = []) -> AgentHTTPRouting {
        AgentHTTPRouting(allowed: allowed.compactMap { IPNetwork($0) }, token: token) { path, query in
            switch path {
            case "/results":
                .init(status: 200, contentType: "application/json", body: "{\"q\":\"\(query["x"] ?? "")\"}")
            case "/healthz": .init(status: 200, body: "ok\n")
            default: .init(status: 404, body: "not found\n")
            }
        }
    }

    /// Connects from `source`, sends `request` (nothing when nil), advances the clock by `wait`, and collects what
    /// came back.
    func exchange(
        _ request: String?, from source: String = "10.0.0.7", routing: AgentHTTPRouting = Self.routing(),
        wait: TimeAmount = .zero
    ) throws -> Exchange {
        let loop = EmbeddedEventLoop()
        let channel = EmbeddedChannel(loop: loop)
        try AgentHTTPServer.configure(channel, routing: routing)
        try channel.connect(to: SocketAddress(ipAddress: source, port: 40000)).wait()
        if let request { try channel.writeInbound(channel.allocator.buffer(string: request)) }
        loop.advanceTime(by: wait)
        var bytes: [UInt8] = []
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { bytes += Array(buffer: buffer) }
        let closed = !channel.isActive
        _ = try? channel.finish(acceptAlreadyClosed: true)
        return Exchange(response: String(decoding: bytes, as: UTF8.self), closed: closed)
    }

    @Test func tokenOnlyAsABearerHeaderComparedWhole() throws {
        let good = try exchange("GET /results HTTP/1.1\r\nAuthorization: Bearer s3cret\r\n\r\n")
        #expect(good.status == 200 && good.closed)
        #expect(good.response.contains("Content-Type: application/json\r\n"))
        #expect(good.response.contains("Connection: close\r\n"))
        #expect(good.response.contains("Content-Length: \(good.body.utf8.count)\r\n"))
        #expect(try exchange("GET /results HTTP/1.1\r\nAUTHORIZATION: bEaReR s3cret\r\n\r\n").status == 200)
        for refused in [
            "GET /results?token=s3cret HTTP/1.1\r\n\r\n",  // a token in the URL ends up in logs
            "GET /results HTTP/1.1\r\nAuthorization: Bearer s3cre\r\n\r\n",  // a prefix of the token
            "GET /results HTTP/1.1\r\nAuthorization: Bearer s3crett\r\n\r\n",  // the token and more
            "GET /results HTTP/1.1\r\nAuthorization: Basic czNjcmV0\r\n\r\n",  // another scheme
            "GET /results HTTP/1.1\r\nAuthorization: s3cret\r\n\r\n",  // no scheme
        ] {
            let answer = try exchange(refused)
            #expect(answer.status == 401 && answer.closed, "\(refused.debugDescription)")
            #expect(answer.body.contains("Authorization: Bearer"))
        }
        #expect(try exchange("GET /healthz HTTP/1.1\r\n\r\n").status == 200, "health needs no token")
        #expect(
            try exchange("GET /results HTTP/1.1\r\n\r\n", routing: Self.routing(token: "")).status == 200,
            "no token configured: open")
    }

    @Test func onlyTheAllowedNetworksAreAnsweredAndBeforeTheyAreRead() throws {
        let routing = Self.routing(token: "", allowed: ["10.0.0.0/24", "fd00::/64"])
        #expect(try exchange("GET /healthz HTTP/1.1\r\n\r\n", from: "10.0.0.9", routing: routing).status == 200)
        #expect(try exchange("GET /healthz HTTP/1.1\r\n\r\n", from: "fd00::5", routing: routing).status == 200)
        let outside = try exchange(nil, from: "10.0.1.9", routing: routing)
        #expect(outside.status == 403 && outside.closed, "refused on connect, without a request")
        #expect(outside.body == "forbidden: 10.0.1.9 is not in the allowed networks\n")
        // IPv4 clients of the dual-stack listener arrive IPv4-mapped: judged as IPv4.
        #expect(try exchange("GET /healthz HTTP/1.1\r\n\r\n", from: "::ffff:10.0.0.9", routing: routing).status == 200)
        #expect(try exchange(nil, from: "::ffff:10.0.1.9", routing: routing).status == 403)
    }

    @Test func methodsQueriesAndHead() throws {
        #expect(try exchange("POST /results HTTP/1.1\r\nContent-Length: 0\r\n\r\n").status == 405)
        #expect(try exchange("DELETE /results HTTP/1.1\r\n\r\n").status == 405)
        let query = try exchange("GET /results?x=a%20b&y HTTP/1.1\r\nAuthorization: Bearer s3cret\r\n\r\n")
        #expect(query.body == "{\"q\":\"a b\"}")
        let head = try exchange("HEAD /healthz HTTP/1.1\r\n\r\n")
        #expect(head.status == 200 && head.body.isEmpty && head.response.contains("Content-Length: 3\r\n"))
        #expect(try exchange("GET /nothing HTTP/1.1\r\nAuthorization: Bearer s3cret\r\n\r\n").status == 404)
    }

    @Test func malformedAndOversizedRequestsAreRefused() throws {
        for garbage in ["GARBAGE\r\n\r\n", "GET /results HTTP/9.9\r\n\r\n", "\u{1}\u{2}\u{3} / HTTP/1.1\r\n\r\n"] {
            let answer = try exchange(garbage)
            #expect(answer.status == 400 && answer.closed, "\(garbage.debugDescription): \(answer.response)")
        }
        let big =
            "GET /results HTTP/1.1\r\nX-Pad: \(String(repeating: "a", count: AgentHTTPServer.maxRequestBytes))\r\n\r\n"
        let answer = try exchange(big)
        #expect(answer.status == 400 && answer.closed && answer.body.contains("over 8 KiB"), "\(answer.response)")
    }

    @Test func incompleteRequestsTimeOutOnTheWholeRequestDeadline() throws {
        let partial = "GET /results HTTP/1.1\r\nX-Slow: a"
        let before = try exchange(partial, wait: .milliseconds(1999))
        #expect(before.response.isEmpty && !before.closed, "still within the deadline")
        let after = try exchange(partial, wait: .seconds(2))
        #expect(after.status == 408 && after.closed, "\(after.response)")
        let silent = try exchange(nil, wait: .seconds(2))
        #expect(silent.closed, "a client that sends nothing is dropped too")
    }
}
