import Foundation
import Glibc
import MTUCore
import Testing

@testable import MTUAgent

/// `kube mesh` and `kube audit --agents` read agents over AsyncHTTPClient: against the real server on loopback,
/// answers keep the agents' order (they are asked at the same time), and each failure names the agent and what went
/// wrong.
@Suite("Agent HTTP: client", .serialized)
struct AgentHTTPClientTests {
    final class Stop: @unchecked Sendable { var stop = false }

    @Test func readsAgentsInOrderAndNamesEachFailure() async throws {
        let snapshot = String(data: try JSONEncoder().encode(AgentEndpointTests.snapshot), encoding: .utf8)!
        let server = try AgentHTTPServer(port: 0, allowed: [], token: "t") { path, _ in
            path == "/results"
                ? .init(status: 200, contentType: "application/json", body: snapshot)
                : .init(status: 404, body: "no\n")
        }
        let flag = Stop()
        let thread = Thread { server.run(until: { flag.stop }) }
        thread.start()
        defer { flag.stop = true }
        // A listener that never accepts: the connection completes in the kernel, the answer never comes.
        let mute = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(mute) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(mute, $0, length) == 0 && listen(mute, 4) == 0 && getsockname(mute, $0, &length) == 0
            }
        }
        let mutePort = UInt16(bigEndian: address.sin_port)
        let agents = [
            AgentEndpoint(name: "a", host: "127.0.0.1", port: server.port),
            AgentEndpoint(name: "m", host: "127.0.0.1", port: mutePort),
            AgentEndpoint(name: "b", host: "::1", port: server.port),
        ]
        let answers = await AgentEndpoint.snapshots(of: agents, token: "t", timeoutMilliseconds: 600)
        #expect(try answers[0].get().node == "n1")
        #expect(try answers[2].get().node == "n1", "IPv6 literal as the host")
        guard case .failure(let silent) = answers[1] else {
            Issue.record("the mute agent answered")
            return
        }
        #expect(silent.description == "127.0.0.1:\(mutePort): timed out after 600 ms")
        let wrong = await AgentEndpoint.snapshots(of: [agents[0]], token: "x", timeoutMilliseconds: 600)
        guard case .failure(let refused) = wrong[0] else {
            Issue.record("a wrong token was accepted")
            return
        }
        #expect(refused.description == "127.0.0.1:\(server.port)/results: HTTP 401")
        let (pairs, unreachable) = await MeshMeasurement.gather(from: agents, token: "t", timeoutMilliseconds: 600)
        #expect(pairs.count == 2 * AgentEndpointTests.snapshot.meshMeasurements(agentHost: "x").count)
        #expect(unreachable == ["127.0.0.1:\(mutePort): timed out after 600 ms"])
    }
}
