import ArgumentParser
import Foundation
import MTUProbe
import MTUSystem

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Answer reverse-path probes: UDP replies of requested sizes with DF, never an amplifier.",
        discussion: """
            A reply is never larger than its request unless the request carries --token, over UDP and TCP alike \
            (status replies included). Each source is rate limited and holds at most 256 of the 1024 TCP slots (a full \
            table evicts the biggest holder's oldest idle connection); a TCP client has 2 s to send its request and \
            5 s to take the reply, then it is reset. With --allow, only those \
            networks are answered. Without --token, a warning says that anyone who reaches the port is answered.

            Examples:
              mtu-doctor serve --port 4790 --token s3cret --allow 10.0.0.0/8
            """
    )

    @OptionGroup var serve: ResponderArguments

    func run() throws {
        let responder: Responder
        do {
            responder = try Responder(serve.configuration)
        } catch {
            throw fail(error.description)
        }
        Syscall.restoreTerminationSignals()
        let end = serve.duration.map { Date().addingTimeInterval($0) }
        var standardError = StandardError()
        if serve.token == nil {
            let noAllow = serve.allow.isEmpty ? "; no --allow either" : ""
            print(
                "warning: no --token: anyone who reaches this port is answered (replies no larger than requests)\(noAllow)",
                to: &standardError)
        }
        print("serving reverse probes on UDP \(serve.port)", to: &standardError)
        do {
            try responder.run { end.map { Date() >= $0 } ?? false }
        } catch {
            throw fail(error.description)
        }
    }
}
