import Foundation
import MTUAgent
import MTUCore
import Testing

/// The agent's endpoints in-process, without sockets or root: what each path answers before the first round, with
/// the agent's own JSON envelope and the Prometheus content type; unknown paths and peers are 404 with a hint, and a
/// requested address is echoed back only sanitized. (Token and allowed networks: AgentHTTPInProcessTests.)
@Suite("agent routes")
struct AgentRoutesTests {
    static let agent = Agent(options: Agent.Options(node: "n1") { [Peer(name: "n2", address: "10.88.1.12")] })

    func body(_ response: AgentHTTPServer.Response) -> String { String(decoding: response.body, as: UTF8.self) }

    @Test func healthAndReadiness() {
        let health = AgentRoutes.response("/healthz", agent: Self.agent)
        #expect(health.status == 200 && body(health) == "ok\n")
        let ready = AgentRoutes.response("/readyz", agent: Self.agent)
        #expect(ready.status == 503 && body(ready) == "first round not finished\n", "not ready before a round")
    }

    @Test func resultsAreTheVersionedDocument() throws {
        let results = AgentRoutes.response("/results", agent: Self.agent)
        #expect(results.status == 200 && results.contentType == "application/json")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(results.body)) as? [String: Any])
        #expect(json["command"] as? String == "agent.results" && json["node"] as? String == "n1")
        #expect(json["schemaVersion"] != nil)
        #expect(json["rounds"] as? Int == 0 && json["peers"] is [Any], "\(json)")
    }

    @Test func metricsAreTheExpositionFormat() {
        let metrics = AgentRoutes.response("/metrics", agent: Self.agent)
        #expect(metrics.status == 200 && metrics.contentType == "text/plain; version=0.0.4; charset=utf-8")
        #expect(body(metrics).contains("mtu_doctor_"))
    }

    @Test(arguments: [
        ("/results/10.9.9.9", "no such peer: 10.9.9.9\n"),
        ("/results/\u{1B}[31mred", "no such peer: ?[31mred\n"),
        ("/nope", "not found: try /metrics, /results, /healthz, /readyz\n"),
        ("/", "not found: try /metrics, /results, /healthz, /readyz\n"),
    ])
    func unknownPathsAre404(path: String, expected: String) {
        let response = AgentRoutes.response(path, agent: Self.agent)
        #expect(response.status == 404 && body(response) == expected)
    }
}
