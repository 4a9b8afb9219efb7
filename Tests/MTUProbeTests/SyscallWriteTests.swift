import Foundation
import MTUSystem
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `Syscall.writeAll` against a pipe smaller than what is written: the kernel takes it in short writes (a pipe holds
/// 64 KiB by default, pipe(7)), and every byte must arrive once, in order; a pipe whose reader is gone is refused.
@Suite("the syscall layer's writes")
struct SyscallWriteTests {
    @Test func shortWritesContinueWhereTheyStopped() throws {
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        let bytes = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 9) }
        let readEnd = fds[0]
        let box = ReceivedBox()
        let reader = Thread {
            var received: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = buffer.withUnsafeMutableBytes { Glibc.read(readEnd, $0.baseAddress, 4096) }
                if count <= 0 { break }
                received += buffer[0..<count]
            }
            box.set(received)
        }
        reader.start()
        #expect(Syscall.writeAll(fds[1], bytes))
        Syscall.close(fds[1])
        let deadline = Date().addingTimeInterval(10)
        while box.get() == nil, Date() < deadline { usleep(10_000) }
        Syscall.close(fds[0])
        #expect(box.get() == bytes)
    }

    @Test func aPipeWithoutReaderIsRefused() throws {
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        Syscall.close(fds[0])
        // Without a reader the kernel sends SIGPIPE with the EPIPE: the test process ignores it from here on (tests
        // run in parallel, and putting the default action back could kill the process under another test's write).
        signal(SIGPIPE, SIG_IGN)
        #expect(!Syscall.writeAll(fds[1], Array("x".utf8)))
        Syscall.close(fds[1])
    }
}

/// What the reader thread received, handed to the test.
final class ReceivedBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: [UInt8]?
    func set(_ bytes: [UInt8]) { lock.withLock { value = bytes } }
    func get() -> [UInt8]? { lock.withLock { value } }
}
