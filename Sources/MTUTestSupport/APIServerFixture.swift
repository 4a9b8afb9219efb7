import Foundation

/// Certificates for the stand-in API server: a CA, a server certificate for 127.0.0.1 and a client certificate
/// (CN mtu-admin), made once per test process with openssl.
package enum TestPKI {
    package struct Files: Sendable {
        package let directory: String
        package var ca: String { directory + "/ca.crt" }
        package var serverCert: String { directory + "/server.crt" }
        package var serverKey: String { directory + "/server.key" }
        package var clientCert: String { directory + "/client.crt" }
        package var clientKey: String { directory + "/client.key" }
        package var otherCA: String { directory + "/other-ca.crt" }
    }

    package static let files: Files = {
        let directory = NSTemporaryDirectory() + "mtud-pki-\(getpid())"
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let script = """
            set -e
            cd '\(directory)'
            openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=test-ca -keyout ca.key -out ca.crt 2>/dev/null
            openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=other-ca -keyout other-ca.key -out other-ca.crt 2>/dev/null
            openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=apiserver -keyout server.key -out server.csr 2>/dev/null
            printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > server.ext
            openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile server.ext -out server.crt 2>/dev/null
            openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=mtu-admin/O=system:masters -keyout client.key -out client.csr 2>/dev/null
            openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -out client.crt 2>/dev/null
            """
        let status = run(["/bin/sh", "-c", script])
        precondition(status == 0, "openssl could not make the test certificates")
        return Files(directory: directory)
    }()

    @discardableResult
    static func run(_ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        try? process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}

/// The stand-in API server (Fixtures/apiserver.py) serving one scenario folder over HTTPS on 127.0.0.1.
package final class APIServerFixture: @unchecked Sendable {
    package static let token = "fixture-token-3f9a"
    let process: Process
    package let port: Int
    package let log: String
    package let directory: String

    package var url: String { "https://127.0.0.1:\(port)" }

    /// - Parameter launcher: a prefix for the python3 command, e.g. `ip netns exec NS` to serve inside a lab namespace.
    /// - Parameter routes: the routes file in the scenario folder (several scenarios can share one folder's objects).
    package init(scenario: String, routes: String = "routes.json", launcher: [String] = []) throws {
        let pki = TestPKI.files
        directory = NSTemporaryDirectory() + "mtud-api-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        log = directory + "/requests.log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let fixtures = TestSupport.repositoryRoot + "/Tests/MTUKubeTests/Fixtures"
        process = Process()
        process.executableURL = URL(fileURLWithPath: launcher.isEmpty ? "/usr/bin/env" : launcher[0])
        let launcher = launcher.isEmpty ? [] : Array(launcher.dropFirst()) + ["/usr/bin/env"]
        process.arguments =
            launcher + [
                "python3", fixtures + "/apiserver.py", "--dir", fixtures + "/" + scenario, "--cert", pki.serverCert,
                "--key", pki.serverKey,
                "--client-ca", pki.ca, "--token", Self.token, "--port-file", directory + "/port", "--log", log,
                "--routes", routes,
            ]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        var found: Int?
        for _ in 0..<100 {
            if let text = try? String(contentsOfFile: directory + "/port", encoding: .utf8), let value = Int(text) {
                found = value
                break
            }
            usleep(50_000)
        }
        guard let found else {
            kill(process.processIdentifier, SIGKILL)
            throw FixtureError.notStarted
        }
        port = found
    }

    enum FixtureError: Error { case notStarted }

    /// The requests it received, one line each.
    package var requests: [String] {
        ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// The bodies of the requests that had one, in order: (method, path with query, body text).
    package var bodies: [(method: String, path: String, body: String)] {
        ((try? String(contentsOfFile: log + ".bodies", encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
            line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String] else {
                return nil
            }
            return (object["method"] ?? "", object["path"] ?? "", object["body"] ?? "")
        }
    }

    /// A kubeconfig for this server; `user` is the YAML of the user entry's body.
    package func kubeconfig(user: String? = nil, caFile: String? = nil, context: String = "fixture") -> String {
        let userBody = user ?? "token: \(Self.token)"
        let path = directory + "/kubeconfig-\(UUID().uuidString.prefix(6))"
        let text = """
            apiVersion: v1
            kind: Config
            current-context: \(context)
            clusters:
              - name: fixture
                cluster:
                  server: \(url)
                  certificate-authority: \(caFile ?? TestPKI.files.ca)
            users:
              - name: fixture-user
                user:
            \(userBody.split(separator: "\n").map { "      " + $0 }.joined(separator: "\n"))
            contexts:
              - name: \(context)
                context:
                  cluster: fixture
                  user: fixture-user
                  namespace: mtu-doctor
            """
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        return path
    }

    /// Stops serving (the API server goes away); the files stay until deinit.
    package func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
