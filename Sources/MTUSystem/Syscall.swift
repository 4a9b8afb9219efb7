#if os(Linux)
import Glibc

/// The one layer over the C library's system calls, after swift-system's `valueOrErrno` and retry-on-EINTR pattern
/// (apple/swift-system, Sources/System/Internals/Syscalls.swift and Util.swift): every wrapper reads `errno` at once
/// into a `Failure` and retries on `EINTR`. This target holds what every module needs — descriptors, `poll`,
/// `fcntl`, `open`, `read` — for capture files and FIFOs, credential plugins' pipes and tcpdump's output; MTUProbe
/// extends the same `Syscall` with the socket calls. Nothing outside these two files calls those functions directly
/// (`scripts/code-figures.py` counts any that do).
package enum Syscall {
    package struct Failure: Error, CustomStringConvertible {
        package var call: String
        package var errno: Int32
        package var description: String { "\(call): \(String(cString: strerror(errno)))" }

        package init(call: String, errno: Int32) {
            self.call = call
            self.errno = errno
        }
    }

    /// Runs `body` until it does not fail with EINTR; a negative result is a `Failure` with the errno it left.
    package static func retrying<T: BinaryInteger>(_ call: String, _ body: () -> T) throws(Failure) -> T {
        while true {
            let result = body()
            if result >= 0 { return result }
            let code = Glibc.errno
            if code == EINTR { continue }
            throw Failure(call: call, errno: code)
        }
    }

    package static func close(_ fd: Int32) { _ = Glibc.close(fd) }

    /// open(2) with close-on-exec.
    package static func open(_ path: String, flags: Int32) throws(Failure) -> Int32 {
        try retrying("open") { Glibc.open(path, flags | O_CLOEXEC) }
    }

    /// poll(2) over several descriptors (negative ones are ignored); the number ready.
    package static func poll(_ descriptors: inout [pollfd], milliseconds: Int32) throws(Failure) -> Int {
        let count = descriptors.count
        return Int(
            try retrying("poll") {
                descriptors.withUnsafeMutableBufferPointer { Glibc.poll($0.baseAddress, nfds_t(count), milliseconds) }
            })
    }

    /// Waits up to `milliseconds` for any of `events` on one descriptor; whether one arrived.
    @discardableResult
    package static func wait(_ fd: Int32, for events: Int32, milliseconds: Int32) -> Bool {
        var descriptors = [pollfd(fd: fd, events: Int16(events), revents: 0)]
        return ((try? poll(&descriptors, milliseconds: milliseconds)) ?? 0) > 0
    }

    package static func setNonBlocking(_ fd: Int32, _ on: Bool = true) {
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK)
    }

    /// read(2) without waiting on a non-blocking descriptor: the bytes read (0 at end of file), or nil when nothing
    /// is there now.
    package static func readAvailable(_ fd: Int32, into buffer: inout [UInt8]) throws(Failure) -> Int? {
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count >= 0 { return count }
            let code = Glibc.errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK { return nil }
            throw Failure(call: "read", errno: code)
        }
    }

    /// write(2) until every byte is written (a short write continues where it stopped, EINTR is retried); false when
    /// the descriptor refuses (a closed pipe: the reader went away).
    @discardableResult
    package static func writeAll(_ fd: Int32, _ bytes: some Collection<UInt8>) -> Bool {
        let bytes = Array(bytes)
        var offset = 0
        while offset < bytes.count {
            let written = try? retrying("write") {
                bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            }
            guard let written, written > 0 else { return false }
            offset += written
        }
        return true
    }

    /// Whether `fd` is a terminal (colour and progress only go to one).
    package static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }

    /// SIGTERM and SIGINT back to their default action and unblocked: a parent may have left them ignored or blocked,
    /// and both survive exec, but a server must stop when told.
    package static func restoreTerminationSignals() {
        signal(SIGTERM, SIG_DFL)
        signal(SIGINT, SIG_DFL)
        var unblock = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, SIGTERM)
        sigaddset(&unblock, SIGINT)
        sigprocmask(SIG_UNBLOCK, &unblock, nil)
    }
}
#endif
