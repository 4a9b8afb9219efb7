#if os(Linux)
import Glibc
import MTUSystem

/// What every server of ours (the responder, the agent's HTTP API) does with a client it gives up on, and how it
/// compares a presented token: one place for both.
package enum ConnectionSafety {
    /// Closes with a reset (SO_LINGER 0): the kernel frees the socket and anything unsent at once, so a client that
    /// never reads leaves no orphan holding memory.
    package static func reset(_ fd: Int32) { Syscall.closeWithReset(fd) }

    /// Equal bytes, in time that depends on the expected token's length only.
    package static func constantTimeEqual(_ presented: [UInt8], _ expected: [UInt8]) -> Bool {
        var difference = presented.count == expected.count ? 0 : 1
        for index in expected.indices {
            difference |= Int((index < presented.count ? presented[index] : 0) ^ expected[index])
        }
        return difference == 0
    }
}
#endif
