import MTUCore
import Foundation

/// Runs a kubeconfig `exec` credential plugin (client.authentication.k8s.io) and reads the ExecCredential it prints:
/// a bearer token, or a client certificate and key (PEM).
public enum ExecCredential {
    public struct Result: Sendable, Equatable {
        public var token: String?
        public var clientCertificate: [UInt8]?
        public var clientKey: [UInt8]?
        public var expires: Date?
    }

    public static func run(_ plugin: KubeConfig.ExecPlugin, timeoutSeconds: Double = 30,
                           environment: [String: String] = ProcessInfo.processInfo.environment) throws(KubeAPIError) -> Result {
        let name = "exec credential plugin '\(plugin.command)'"
        let hint = plugin.installHint.map { " (\($0.split(separator: "\n").first ?? ""))" } ?? ""
        let executable: String
        if plugin.command.contains("/") {
            executable = plugin.command.hasPrefix("/") ? plugin.command : plugin.directory + "/" + plugin.command
        } else {
            let path = (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":")
            guard let found = path.map({ "\($0)/\(plugin.command)" }).first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
                throw .credentials("\(name): not found on PATH\(hint)")
            }
            executable = found
        }
        guard FileManager.default.isExecutableFile(atPath: executable) else { throw .credentials("\(name): \(executable) is not executable\(hint)") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = plugin.arguments
        var env = environment
        for (key, value) in plugin.environment { env[key] = value }
        env["KUBERNETES_EXEC_INFO"] = #"{"apiVersion":"\#(plugin.apiVersion)","kind":"ExecCredential","spec":{"interactive":false}}"#
        process.environment = env
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { throw .credentials("\(name): cannot start: \(error.localizedDescription)") }
        // Read both pipes while it runs (a chatty plugin must not block on a full pipe), bounded by the timeout.
        nonisolated(unsafe) var out = Data(), err = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { out = output.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        group.enter()
        DispatchQueue.global().async { err = errors.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        if group.wait(timeout: .now() + timeoutSeconds) == .timedOut {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw .credentials("\(name): no answer within \(Int(timeoutSeconds)) s (killed)")
        }
        process.waitUntilExit()
        let stderrLine = String(decoding: err, as: UTF8.self).split(separator: "\n").first.map { ": \($0)" } ?? ""
        guard process.terminationStatus == 0 else {
            throw .credentials("\(name): exited with status \(process.terminationStatus)\(stderrLine)")
        }
        guard let credential = JSONValue.parse(out), credential["kind"].string == "ExecCredential" else {
            throw .credentials("\(name): did not print an ExecCredential (JSON with kind: ExecCredential)")
        }
        let status = credential["status"]
        var result = Result()
        result.token = status["token"].string
        result.clientCertificate = status["clientCertificateData"].string.map { Array($0.utf8) }
        result.clientKey = status["clientKeyData"].string.map { Array($0.utf8) }
        if let stamp = status["expirationTimestamp"].string { result.expires = ISO8601DateFormatter().date(from: stamp) }
        guard result.token != nil || (result.clientCertificate != nil && result.clientKey != nil) else {
            throw .credentials("\(name): its ExecCredential has neither status.token nor status.clientCertificateData and clientKeyData")
        }
        return result
    }
}
