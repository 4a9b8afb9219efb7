import Foundation
import MTUAgent
import MTUCore
import Testing

/// Agent addresses as `kube mesh --peers` and `kube audit --agents` take them, and what an agent's /results turn into
/// for the mesh (directed pairs) and the audit (node facts, fresh paths) — without a network.
@Suite("agent endpoints and snapshot facts")
struct AgentEndpointTests {
    @Test(arguments: [
        ("n1=10.0.0.1", [AgentEndpoint(name: "n1", host: "10.0.0.1", port: 9464)]),
        (
            "10.0.0.1:8080,http://10.0.0.2",
            [AgentEndpoint(host: "10.0.0.1", port: 8080), AgentEndpoint(host: "10.0.0.2", port: 9464)]
        ),
        ("[fd00::1]:9000", [AgentEndpoint(host: "fd00::1", port: 9000)]),
        ("fd00::1", [AgentEndpoint(host: "fd00::1", port: 9464)]),
        ("a=[fd00::2]", [AgentEndpoint(name: "a", host: "fd00::2", port: 9464)]),
    ])
    func parses(text: String, expected: [AgentEndpoint]) throws {
        #expect(try AgentEndpoint.parseList(text, flag: "--peers", defaultPort: 9464) == expected)
    }

    @Test(arguments: [
        ("a:99999", "--peers: bad port in 'a:99999'"), ("n=", "--peers: empty host in 'n='"),
        ("x:", "--peers: bad port in 'x:'"),
    ])
    func refuses(text: String, message: String) {
        #expect(throws: AgentEndpoint.ParseError.self) {
            try AgentEndpoint.parseList(text, flag: "--peers", defaultPort: 9464)
        }
        do { _ = try AgentEndpoint.parseList(text, flag: "--peers", defaultPort: 9464) } catch {
            #expect(error.description == message)
        }
    }

    static let snapshot: AgentSnapshot = {
        let json = """
            {"node":"n1","address":"10.88.1.11","interfaceMTU":9000,"startedAt":0,"rounds":3,"intervalSeconds":30,
             "host":{"interface":"eth0","interfaceMTU":9000,"rpFilter":1,"tcpMTUProbing":0,"routeMTUs":[],"mssClampsKnown":true,"mssClamps":[],"tunnels":[]},
             "peers":[
              {"peer":{"name":"n2","address":"10.88.1.12"},"stale":false,"errors":0,
               "latest":{"peer":"n2","address":"10.88.1.12","at":1,"probesSent":20,"elapsedMs":300,"method":"search",
                         "forward":{"pathMTU":9000,"verdict":"ok","ptbLost":false},"reverse":{"pathMTU":9000,"verdict":"ok","ptbLost":false}}},
              {"peer":{"name":"n3","address":"10.88.2.13"},"stale":false,"errors":0,
               "latest":{"peer":"n3","address":"10.88.2.13","at":1,"probesSent":30,"elapsedMs":900,"method":"search",
                         "forward":{"pathMTU":1500,"verdict":"blackhole","ptbLost":false},"reverse":{"verdict":"not-measured","ptbLost":false}}},
              {"peer":{"name":"n4","address":"10.88.2.14"},"stale":true,"errors":2,
               "latest":{"peer":"n4","address":"10.88.2.14","at":1,"probesSent":30,"elapsedMs":900,"method":"search",
                         "forward":{"pathMTU":1500,"verdict":"ptb","ptbLost":false},"reverse":{"pathMTU":1500,"verdict":"ptb","ptbLost":false}}},
              {"peer":{"name":"n5","address":"10.88.2.15"},"stale":true,"errors":1}
             ]}
            """
        return try! JSONDecoder().decode(AgentSnapshot.self, from: Data(json.utf8))
    }()

    @Test func meshPairsInBothDirections() {
        let pairs = Self.snapshot.meshMeasurements(agentHost: "10.88.1.11")
        #expect(
            pairs.map { "\($0.from)→\($0.to) \($0.pathMTU.map(String.init) ?? "-") \($0.verdict) \($0.stale)" } == [
                "n1→n2 9000 ok false", "n2→n1 9000 ok false",
                "n1→n3 1500 blackhole false",  // nothing measured back: no reverse pair
                "n1→n4 1500 ptb true", "n4→n1 1500 ptb true",
            ])
        #expect(pairs.allSatisfy { $0.measuredBy == "n1" })
    }

    @Test func auditFactsTakeOnlyFreshPaths() {
        let endpoint = AgentEndpoint(host: "10.88.1.11", port: 9465)
        let host = Self.snapshot.auditFacts(network: .host, endpoint: endpoint)
        #expect(
            host.node
                == NodeFact(node: "n1", interfaceMTU: 9000, rpFilter: 1, tcpMTUProbing: 0, source: "agent 10.88.1.11"))
        #expect(
            host.paths == [
                PathFact(from: "n1", to: "n2", pathMTU: 9000), PathFact(from: "n1", to: "n3", pathMTU: 1500),
            ])
        let pod = Self.snapshot.auditFacts(network: .pod, endpoint: endpoint)
        #expect(pod.node == NodeFact(node: "n1", podMTU: 9000, source: "pod agent 10.88.1.11"))
    }

    /// An agent that does not answer is named, and makes a clean matrix incomplete; the audit counts it as a gap.
    @Test func agentsThatDoNotAnswerAreSaid() async throws {
        // A port nothing listens on, on loopback: refused at once.
        let (fd, port) = try closedLoopbackPort()
        close(fd)
        let silent = AgentEndpoint(name: "n9", host: "127.0.0.1", port: port)
        let (measurements, unreachable) = await MeshMeasurement.gather(
            from: [silent], token: "t", timeoutMilliseconds: 500)
        #expect(measurements.isEmpty)
        #expect(
            unreachable == ["127.0.0.1:\(port): cannot connect (Connection refused)"], "\(unreachable)")
        var report = MeshReport.build([])
        #expect(report.verdict == .ok)
        report.note(unreachable: unreachable, labels: "node labels not read (403)")
        #expect(report.verdict == .incomplete)
        #expect(report.summary.hasSuffix("; node labels not read (403); agents not reached: \(unreachable[0])"))
        var input = KubeAuditInput(server: "s", context: "c", objects: ClusterObjects())
        await input.read(agents: [silent], network: .host, token: "t", timeoutMilliseconds: 500)
        #expect(input.gaps.count == 1 && input.gaps[0].hasPrefix("host-network agent 127.0.0.1:\(port): "))
        #expect(input.nodeFacts.isEmpty && input.audited.isEmpty)
    }

    /// A loopback port that was free a moment ago (bound, then closed by the caller).
    func closedLoopbackPort() throws -> (Int32, UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        try #require(bound)
        return (fd, UInt16(bigEndian: address.sin_port))
    }
}
