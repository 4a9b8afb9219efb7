#if os(Linux)
import Glibc
import MTUCore
import MTUSystem

/// One datagram socket as the datagram probers (`UDPProber`, `ReverseProber`) and the responder's UDP side use it:
/// the seam between their logic and the kernel. `KernelDatagramSocket` is the real one, through `Syscall`; tests
/// put a simulated path behind the same calls (`Tests/MTUProbeTests/SimulatedPath.swift`), so the probers' and the
/// responder's rules run without root, sockets or time spent waiting.
package protocol DatagramSocket: AnyObject {
    /// The descriptor to poll alongside others (the responder's loop), or -1 when there is none (a simulation).
    var descriptor: Int32 { get }
    /// Sends one datagram; `blocking` waits for buffer space instead of failing with EAGAIN.
    func send(_ bytes: [UInt8], to address: ProbeAddress, port: UInt16, blocking: Bool) throws(Syscall.Failure)
    /// One waiting datagram, its sender (IPv4-mapped as it arrived) and port; nil when none is waiting.
    func receive(into buffer: inout [UInt8]) throws(Syscall.Failure) -> (count: Int, from: ProbeAddress, port: UInt16)?
    /// Waits up to `milliseconds` for a datagram; true when one is waiting.
    func waitReadable(milliseconds: Int) throws(Syscall.Failure) -> Bool
    /// Waits up to `milliseconds` for a report on the error queue.
    func waitForError(milliseconds: Int)
    /// One report from the error queue (`IP_RECVERR`), nil when it is empty.
    func readError() -> ErrorQueue.Report?
    /// The hop limit (TTL) of the datagrams sent next.
    func setHopLimit(_ value: Int32) throws(Syscall.Failure)
    /// The kernel's route MTU toward `address`, a learned path MTU included.
    func routeMTU(to address: ProbeAddress) -> Int?
    func close()
}

extension DatagramSocket {
    func send(_ bytes: [UInt8], to address: ProbeAddress, port: UInt16) throws(Syscall.Failure) {
        try self.send(bytes, to: address, port: port, blocking: false)
    }
}

/// A UDP socket of the kernel's: every call through `Syscall`.
package final class KernelDatagramSocket: DatagramSocket {
    package let descriptor: Int32
    /// An address of the socket's family (the target, or [::] for the dual-stack responder): which hop-limit option.
    let familyAddress: ProbeAddress

    /// A socket for probing `target` (its family); `receiveErrors` turns on the error queue, and DF is set without
    /// the PMTU cache (`IP_PMTUDISC_PROBE`) when `dontFragment`.
    package init(toward target: ProbeAddress, dontFragment: Bool, receiveErrors: Bool) throws(Syscall.Failure) {
        descriptor = try Syscall.socket(family: target.family, type: Int32(SOCK_DGRAM.rawValue), protocol: 0)
        familyAddress = target
        do throws(Syscall.Failure) {
            if dontFragment { try target.configureProbeSocket(descriptor, receiveErrors: receiveErrors) }
        } catch {
            Syscall.close(descriptor)
            throw error
        }
        Syscall.enlargeBuffers(descriptor)
    }

    /// The responder's: dual stack on [::]:port, DF without the PMTU cache for both families.
    package init(listeningOn port: UInt16) throws(Syscall.Failure) {
        descriptor = try Syscall.dualStackSocket(type: Int32(SOCK_DGRAM.rawValue), port: port)
        familyAddress = .v6([UInt8](repeating: 0, count: 16))
        do throws(Syscall.Failure) {
            try Syscall.setOption(
                descriptor, level: Int32(IPPROTO_IP), name: IP_MTU_DISCOVER, value: IP_PMTUDISC_PROBE)
            try Syscall.setOption(
                descriptor, level: Int32(IPPROTO_IPV6), name: IPV6_MTU_DISCOVER, value: IPV6_PMTUDISC_PROBE)
        } catch {
            Syscall.close(descriptor)
            throw error
        }
        Syscall.enlargeBuffers(descriptor)
    }

    package func send(_ bytes: [UInt8], to address: ProbeAddress, port: UInt16, blocking: Bool)
        throws(Syscall.Failure)
    {
        try Syscall.send(descriptor, bytes, to: address, port: port, blocking: blocking)
    }

    package func receive(into buffer: inout [UInt8]) throws(Syscall.Failure) -> (
        count: Int, from: ProbeAddress, port: UInt16
    )? {
        try Syscall.receiveWithPort(descriptor, into: &buffer)
    }

    package func waitReadable(milliseconds: Int) throws(Syscall.Failure) -> Bool {
        try Syscall.waitReadable(descriptor, milliseconds: Int32(clamping: milliseconds))
    }

    package func waitForError(milliseconds: Int) {
        Syscall.wait(descriptor, for: POLLERR, milliseconds: Int32(clamping: milliseconds))
    }

    package func readError() -> ErrorQueue.Report? { ErrorQueue.read(descriptor) }

    package func setHopLimit(_ value: Int32) throws(Syscall.Failure) {
        try familyAddress.setHopLimit(descriptor, value)
    }

    package func routeMTU(to address: ProbeAddress) -> Int? { Syscall.routeMTU(to: address) }

    package func close() { Syscall.close(descriptor) }
}
#endif
