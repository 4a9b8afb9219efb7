import Foundation
import MTUSystem
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Progress on stderr when it is a terminal: the current step with a spinner, a bar of the steps done so far and
/// the elapsed time, redrawn in place every 100 ms (so anything taking more than a second shows it is alive).
enum Progress {
    struct State {
        var message = ""
        var started = Date()
        var step = 0
        var running = false
    }

    static let state = Mutex(State())
    /// The steps diagnose announces (dns, application, forward, wall, reverse, capture…), for the bar.
    static let expectedSteps = 7

    /// A reporter to hand to the engines, or nil when stderr is not a terminal.
    static func reporter() -> (@Sendable (String) -> Void)? {
        guard Syscall.isTerminal(STDERR_FILENO) else { return nil }
        let start = state.withLock { state -> Bool in
            defer { state.running = true }
            return !state.running
        }
        if start {
            Thread.detachNewThread {
                let frames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]
                var tick = 0
                while true {
                    let snapshot = state.withLock { $0 }
                    guard snapshot.running else { return }
                    if !snapshot.message.isEmpty {
                        let done = Swift.min(snapshot.step, expectedSteps)
                        let bar =
                            String(repeating: "■", count: done) + String(repeating: "□", count: expectedSteps - done)
                        let elapsed = Date().timeIntervalSince(snapshot.started)
                        let seconds = elapsed >= 1 ? " \(Int(elapsed * 10) / 10).\(Int(elapsed * 10) % 10) s" : ""
                        let line =
                            "\r\u{1B}[K\(frames[tick % frames.count]) [\(bar)] \(snapshot.message.prefix(100))\(seconds)"
                        Syscall.writeAll(STDERR_FILENO, line.utf8)
                    }
                    tick += 1
                    usleep(100_000)
                }
            }
        }
        return { message in
            state.withLock {
                $0.message = message
                $0.started = Date()
                $0.step += 1
            }
        }
    }

    /// Stops the redraw and erases the line.
    static func clear() {
        let wasRunning = state.withLock { state -> Bool in
            defer { state.running = false }
            return state.running
        }
        if wasRunning {
            usleep(120_000)
            let erase = "\r\u{1B}[K"
            Syscall.writeAll(STDERR_FILENO, erase.utf8)
        }
    }
}
