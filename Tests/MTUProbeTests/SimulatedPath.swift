import Glibc
import MTUCore
import MTUSystem

@testable import MTUProbe

/// A path behind the probers' `DatagramSocket` seam, in memory: a forward and a reverse wall drawn independently,
/// each either naming itself (a "packet too big" back to the sender) or silent, a local interface MTU, and at the far
/// end either closed UDP ports (the target answers "port unreachable", as tracepath relies on) or a real `Responder`
/// running over a simulated socket of its own. Nothing touches the kernel, so it runs without root and at memory
/// speed; every reply the responder sends is logged for the no-amplification property.
final class SimulatedPath {
    enum FarEnd {
        case closedPorts
        case responder(Responder.Configuration)
    }

    struct Wall {
        var mtu: Int
        /// A router at the wall sends "packet too big" (naming `mtu`) back to the sender.
        var sendsPTB: Bool
    }

    let ipv6: Bool
    var forward: Wall
    var reverse: Wall
    /// The sender's interface MTU: larger sends fail locally with EMSGSIZE.
    var localMTU: Int
    let us: ProbeAddress
    let target: ProbeAddress
    let router: ProbeAddress
    /// The prober's side of the path.
    let near = Socket()
    /// The responder's side (its own UDP socket), when the far end is one.
    let far = Socket()
    private(set) var responder: Responder?
    /// Every (request packet, reply packet) size the responder sent, in IP bytes.
    private(set) var replies: [(request: Int, reply: Int)] = []
    private var lastRequest = 0

    var headers: Int { ipv6 ? 48 : 28 }

    init(forward: Wall, reverse: Wall, localMTU: Int = 9000, ipv6: Bool = false, farEnd: FarEnd) throws {
        self.forward = forward
        self.reverse = reverse
        self.localMTU = localMTU
        self.ipv6 = ipv6
        us = ipv6 ? ProbeAddress("fd00::1")! : ProbeAddress("10.0.0.1")!
        target = ipv6 ? ProbeAddress("fd00::2")! : ProbeAddress("10.0.0.2")!
        router = ipv6 ? ProbeAddress("fd00::fe")! : ProbeAddress("10.0.0.254")!
        if case .responder(let configuration) = farEnd {
            responder = try Responder(configuration, udp: far)
        }
        near.onSend = { [unowned self] (bytes, _, port) throws(Syscall.Failure) in try self.fromNear(bytes, port: port)
        }
        far.onSend = { [unowned self] bytes, _, port in self.fromFar(bytes, port: port) }
    }

    /// A datagram from the prober: refused locally, dropped at the forward wall (with or without a PTB), or
    /// delivered to the far end.
    private func fromNear(_ bytes: [UInt8], port: UInt16) throws(Syscall.Failure) {
        let packet = bytes.count + headers
        guard packet <= localMTU else { throw Syscall.Failure(call: "sendto", errno: EMSGSIZE) }
        guard packet <= forward.mtu else {
            if forward.sendsPTB {
                near.errors.append(
                    report(type: ipv6 ? 2 : 3, code: ipv6 ? 0 : 4, info: forward.mtu, from: router, port))
            }
            return
        }
        guard let responder else {
            near.errors.append(report(type: ipv6 ? 1 : 3, code: ipv6 ? 4 : 3, info: 0, from: target, port))
            return
        }
        lastRequest = packet
        // As the responder's loop would receive it: IPv4 sources arrive IPv4-mapped on its dual-stack socket.
        responder.handle(bytes, from: us, port: 40000, now: ContinuousClock.now)
    }

    /// A reply from the responder: logged, then dropped at the reverse wall or delivered to the prober.
    private func fromFar(_ bytes: [UInt8], port: UInt16) {
        let packet = bytes.count + headers
        replies.append((lastRequest, packet))
        guard packet <= reverse.mtu else { return }  // the responder's PTB would go to the responder, not to us
        near.inbox.append((bytes, target, 4790))
    }

    private func report(type: UInt8, code: UInt8, info: Int, from: ProbeAddress, _ port: UInt16) -> ErrorQueue.Report {
        ErrorQueue.Report(
            errno: UInt32(EMSGSIZE), origin: ipv6 ? ErrorQueue.originICMP6 : ErrorQueue.originICMP, type: type,
            code: code, info: UInt32(info), offender: from, payload: [], destination: target, port: port)
    }

    /// One end's socket: what was sent goes through `onSend`; what arrives waits in `inbox` and `errors`.
    final class Socket: DatagramSocket {
        var inbox: [(bytes: [UInt8], from: ProbeAddress, port: UInt16)] = []
        var errors: [ErrorQueue.Report] = []
        var onSend: ([UInt8], ProbeAddress, UInt16) throws(Syscall.Failure) -> Void = { _, _, _ in }
        var hopLimit: Int32 = 64
        var routeMTUValue: Int?
        private(set) var closed = false

        var descriptor: Int32 { -1 }

        func send(_ bytes: [UInt8], to address: ProbeAddress, port: UInt16, blocking: Bool) throws(Syscall.Failure) {
            try onSend(bytes, address, port)
        }

        func receive(into buffer: inout [UInt8]) throws(Syscall.Failure) -> (
            count: Int, from: ProbeAddress, port: UInt16
        )? {
            guard !inbox.isEmpty else { return nil }
            let datagram = inbox.removeFirst()
            let count = min(datagram.bytes.count, buffer.count)
            buffer.replaceSubrange(0..<count, with: datagram.bytes.prefix(count))
            return (count, datagram.from, datagram.port)
        }

        /// Nothing more will arrive than what is queued: waiting is a short sleep, so deadlines still pass.
        func waitReadable(milliseconds: Int) throws(Syscall.Failure) -> Bool {
            if inbox.isEmpty { usleep(useconds_t(min(milliseconds, 2) * 1000)) }
            return !inbox.isEmpty
        }

        func waitForError(milliseconds: Int) {
            if errors.isEmpty { usleep(useconds_t(min(milliseconds, 2) * 1000)) }
        }

        func readError() -> ErrorQueue.Report? { errors.isEmpty ? nil : errors.removeFirst() }

        func setHopLimit(_ value: Int32) throws(Syscall.Failure) { hopLimit = value }

        func routeMTU(to address: ProbeAddress) -> Int? { routeMTUValue }

        func close() { closed = true }
    }
}
