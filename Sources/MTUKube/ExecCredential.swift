import Foundation
import Glibc
import MTUCore
import MTUSystem

/// Runs a kubeconfig `exec` credential plugin (client.authentication.k8s.io) and reads the ExecCredential it prints:
/// a bearer token, or a client certificate and key (PEM).
public enum ExecCredential {
    public struct Result: Sendable, Equatable {
        public var token: String?
        public var clientCertificate: [UInt8]?
        public var clientKey: [UInt8]?
        public var expires: Date?
    }

    /// The most an ExecCredential may be: a token or a certificate and key, with room to spare.
    public static let maxOutputBytes = 1 << 20

    public static func run(
        _ plugin: KubeConfig.ExecPlugin, timeoutSeconds: Double = 30,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(KubeAPIError) -> Result {
        let name = "exec credential plugin '\(plugin.command)'"
        let hint = plugin.installHint.map { " (\($0.split(separator: "\n").first ?? ""))" } ?? ""
        let executable: String
        if plugin.command.contains("/") {
            executable = plugin.command.hasPrefix("/") ? plugin.command : plugin.directory + "/" + plugin.command
        } else {
            let path = (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":")
            guard
                let found = path.map({ "\($0)/\(plugin.command)" }).first(where: {
                    FileManager.default.isExecutableFile(atPath: $0)
                })
            else {
                throw .credentials("\(name): not found on PATH\(hint)")
            }
            executable = found
        }
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw .credentials("\(name): \(executable) is not executable\(hint)")
        }
        var env = environment
        for (key, value) in plugin.environment { env[key] = value }
        env["KUBERNETES_EXEC_INFO"] =
            #"{"apiVersion":"\#(plugin.apiVersion)","kind":"ExecCredential","spec":{"interactive":false}}"#
        let outcome: BoundedCommand.Outcome
        do {
            outcome = try BoundedCommand.run(
                executable, arguments: plugin.arguments, environment: env, timeoutSeconds: timeoutSeconds,
                maxOutputBytes: maxOutputBytes)
        } catch {
            throw .credentials("\(name): cannot start: \(error)")
        }
        let out = outcome.stdout
        let stderrLine =
            String(decoding: outcome.stderr, as: UTF8.self).split(separator: "\n").first.map {
                ": \(Sanitize.line($0, limit: 200))"
            } ?? ""
        switch outcome.ending {
        case .timedOut:
            throw .credentials("\(name): no answer within \(Int(timeoutSeconds)) s (killed with its children)")
        case .tooMuchOutput:
            throw .credentials("\(name): printed more than \(maxOutputBytes >> 10) KiB (killed with its children)")
        case .exited(let status) where status != 0:
            throw .credentials("\(name): exited with status \(status)\(stderrLine)")
        case .signalled(let signal): throw .credentials("\(name): killed by signal \(signal)\(stderrLine)")
        case .exited: break
        }
        guard let credential = JSONValue.parse(out), credential["kind"].string == "ExecCredential" else {
            throw .credentials("\(name): did not print an ExecCredential (JSON with kind: ExecCredential)")
        }
        let status = credential["status"]
        var result = Result()
        result.token = status["token"].string
        result.clientCertificate = status["clientCertificateData"].string.map { Array($0.utf8) }
        result.clientKey = status["clientKeyData"].string.map { Array($0.utf8) }
        if let stamp = status["expirationTimestamp"].string {
            result.expires = ISO8601DateFormatter().date(from: stamp)
        }
        guard result.token != nil || (result.clientCertificate != nil && result.clientKey != nil) else {
            throw .credentials(
                "\(name): its ExecCredential has neither status.token nor status.clientCertificateData and clientKeyData"
            )
        }
        return result
    }
}

/// Runs a program in a process group of its own with a deadline and a cap on what it prints; at the deadline, past
/// the cap, or as soon as the program itself exits, the whole group is killed — a child it left behind holding the
/// pipes cannot keep the caller waiting.
enum BoundedCommand {
    enum Ending: Equatable {
        case exited(Int32)
        case signalled(Int32)
        case timedOut
        case tooMuchOutput
    }
    struct Outcome {
        var ending: Ending
        var stdout: [UInt8]
        var stderr: [UInt8]
    }
    struct Failure: Error, CustomStringConvertible { var description: String }

    /// Runs a credential plugin: spawned in a process group of its own with stdin from /dev/null, its output read
    /// until it exits, the timeout passes (the group is killed) or it prints more than `maxOutputBytes`.
    static func run(
        _ executable: String, arguments: [String], environment: [String: String], timeoutSeconds: Double,
        maxOutputBytes: Int
    ) throws(Failure) -> Outcome {
        let child = try spawn(executable, arguments: arguments, environment: environment)
        return collect(child, timeoutSeconds: timeoutSeconds, maxOutputBytes: maxOutputBytes)
    }

    /// A spawned plugin: its process (group) and the read ends of its stdout and stderr.
    struct Child {
        var pid: pid_t
        var stdout: Int32
        var stderr: Int32
    }

    /// posix_spawn with a new process group, default signal handling and an empty signal mask.
    static func spawn(_ executable: String, arguments: [String], environment: [String: String]) throws(Failure)
        -> Child
    {
        var outPipe: [Int32] = [0, 0]
        var errPipe: [Int32] = [0, 0]
        guard pipe(&outPipe) == 0 else { throw Failure(description: "pipe: \(String(cString: strerror(errno)))") }
        guard pipe(&errPipe) == 0 else {
            close(outPipe[0])
            close(outPipe[1])
            throw Failure(description: "pipe: \(String(cString: strerror(errno)))")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        for fd in outPipe + errPipe { posix_spawn_file_actions_addclose(&actions, fd) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        var empty = sigset_t()
        var all = sigset_t()
        sigemptyset(&empty)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        close(outPipe[1])
        close(errPipe[1])
        guard spawned == 0 else {
            close(outPipe[0])
            close(errPipe[0])
            throw Failure(description: String(cString: strerror(spawned)))
        }
        return Child(pid: pid, stdout: outPipe[0], stderr: errPipe[0])
    }

    /// Reads the child's output without blocking until it exits, the deadline passes or the output is too large;
    /// the group is killed in every case (whatever it left behind).
    static func collect(_ child: Child, timeoutSeconds: Double, maxOutputBytes: Int) -> Outcome {
        let pid = child.pid
        defer {
            close(child.stdout)
            close(child.stderr)
        }
        for fd in [child.stdout, child.stderr] { Syscall.setNonBlocking(fd) }
        var stdout: [UInt8] = []
        var stderr: [UInt8] = []
        var open = [true, true]
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(Int(timeoutSeconds * 1000))
        var ending: Ending?
        var buffer = [UInt8](repeating: 0, count: 65536)
        func drain() -> Bool {
            for (index, fd) in [child.stdout, child.stderr].enumerated() where open[index] {
                while true {
                    // -1: nothing more now; an error ends the pipe like its end does.
                    let count: Int
                    do { count = try Syscall.readAvailable(fd, into: &buffer) ?? -1 } catch { count = 0 }
                    if count > 0 {
                        if index == 0 {
                            stdout += buffer[0..<count]
                        } else if stderr.count < 64 << 10 {
                            stderr += buffer[0..<min(count, 64 << 10)]
                        }
                        if stdout.count > maxOutputBytes { return false }
                    } else {
                        if count == 0 { open[index] = false }
                        break
                    }
                }
            }
            return true
        }
        var status: Int32 = 0
        while ending == nil {
            var descriptors = [child.stdout, child.stderr].enumerated().map {
                pollfd(fd: open[$0.offset] ? $0.element : -1, events: Int16(POLLIN), revents: 0)
            }
            _ = try? Syscall.poll(&descriptors, milliseconds: 50)
            if !drain() {
                ending = .tooMuchOutput
                break
            }
            if waitpid(pid, &status, WNOHANG) == pid {
                _ = drain()  // what it printed before exiting
                let signal = status & 0x7f
                ending = signal == 0 ? .exited((status >> 8) & 0xff) : .signalled(signal)
                kill(-pid, SIGKILL)  // whatever it left behind in its group
                return Outcome(ending: ending!, stdout: stdout, stderr: stderr)
            }
            if clock.now >= deadline { ending = .timedOut }
        }
        kill(-pid, SIGKILL)
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return Outcome(ending: ending!, stdout: stdout.count > maxOutputBytes ? [] : stdout, stderr: stderr)
    }
}
