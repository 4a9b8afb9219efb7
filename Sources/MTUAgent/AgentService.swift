#if os(Linux)
import Foundation
import Glibc
import MTUCore
import MTUProbe
import MTUReport
import MTUSystem

/// The agent process (`mtu-doctor agent`, the DaemonSets): the measuring `Agent`, the reverse-path `Responder` its
/// peers measure through, and the HTTP API, each on a thread of its own until the agent stops or `duration` ends.
public struct AgentService {
    public struct Configuration: Sendable {
        public var agent: Agent.Options
        public var listenPort: UInt16 = 9464
        public var allowed: [IPNetwork] = []
        public var token = ""
        /// Stop after this many seconds (nil: until the agent is stopped).
        public var duration: Double?

        public init(agent: Agent.Options) {
            self.agent = agent
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public let agent: Agent
    let responder: Responder
    let server: AgentHTTPServer
    let configuration: Configuration

    /// Binds the responder's UDP port and the HTTP port; nothing runs yet.
    public init(_ configuration: Configuration) throws(Failure) {
        self.configuration = configuration
        agent = Agent(options: configuration.agent)
        var responderConfiguration = Responder.Configuration()
        responderConfiguration.port = configuration.agent.responderPort
        responderConfiguration.token = Array(configuration.token.utf8)
        responderConfiguration.allowed = configuration.allowed
        do {
            responder = try Responder(responderConfiguration)
        } catch {
            throw Failure(description: error.description)
        }
        let agent = self.agent
        do {
            server = try AgentHTTPServer(
                port: configuration.listenPort, allowed: configuration.allowed, token: configuration.token
            ) { path, _ in
                AgentRoutes.response(path, agent: agent)
            }
        } catch {
            throw Failure(description: error.description)
        }
    }

    /// The HTTP port bound (the configured one, or the kernel's choice for 0).
    public var httpPort: UInt16 { server.port }

    /// Runs until the agent stops or the duration ends; returns once the round in progress has finished.
    public func run() {
        let deadline = configuration.duration.map { Date().addingTimeInterval($0) }
        let agent = self.agent
        let stop: @Sendable () -> Bool = { agent.isStopping || deadline.map { Date() > $0 } ?? false }
        nonisolated(unsafe) let responder = self.responder
        let server = self.server
        Thread.detachNewThread { try? responder.run(until: stop) }
        Thread.detachNewThread { server.run(until: stop) }
        Thread.detachNewThread {
            while !stop() { usleep(200_000) }
            agent.stop()
        }
        agent.run()
        usleep(300_000)  // the HTTP and responder threads notice the stop within 200 ms
    }
}

/// The agent's HTTP endpoints (the server has already checked the allowed networks and the token).
public enum AgentRoutes {
    public static func response(_ path: String, agent: Agent) -> AgentHTTPServer.Response {
        switch path {
        case "/healthz":
            return .init(status: 200, body: "ok\n")
        case "/readyz":
            return agent.ready
                ? .init(status: 200, body: "ready\n") : .init(status: 503, body: "first round not finished\n")
        case "/metrics":
            return .init(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: agent.metrics())
        case "/results":
            return .init(
                status: 200, contentType: "application/json",
                body: JSONReport.render(agent.snapshot(), command: "agent.results"))
        default:
            if path.hasPrefix("/results/") {
                let address = String(path.dropFirst("/results/".count))
                guard let history = agent.history(of: address) else {
                    return .init(status: 404, body: "no such peer: \(Sanitize.line(address, limit: 100))\n")
                }
                return .init(
                    status: 200, contentType: "application/json",
                    body: JSONReport.render(history, command: "agent.history"))
            }
            return .init(status: 404, body: "not found: try /metrics, /results, /healthz, /readyz\n")
        }
    }
}

extension PeerDiscovery {
    /// Every IPv4 and IPv6 address of a name (`--dns`: a headless Service), in the resolver's order, without repeats.
    public static func resolveAll(_ name: String) -> [String] { Syscall.addresses(of: name) }
}
#endif
