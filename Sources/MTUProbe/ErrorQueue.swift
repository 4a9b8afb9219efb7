#if os(Linux)
import Glibc
import MTUCore
import MTUSystem

/// Reading `IP_RECVERR` / `IPV6_RECVERR` reports from a socket's error queue (`recvmsg(MSG_ERRQUEUE)`), in Swift.
///
/// Glibc's `CMSG_*` macros and `struct sock_extended_err` do not import into Swift, so the layout is read by hand:
/// `struct cmsghdr { size_t cmsg_len; int cmsg_level; int cmsg_type; }` with data aligned to `size_t`, then
/// `struct sock_extended_err { u32 ee_errno; u8 ee_origin, ee_type, ee_code, ee_pad; u32 ee_info; u32 ee_data; }`
/// followed by the offender's address (`SO_EE_OFFENDER`, a `sockaddr_in` or `sockaddr_in6`).
package enum ErrorQueue {
    /// `SO_EE_ORIGIN_LOCAL`: the local stack refused (EMSGSIZE with `info` = MTU).
    package static let originLocal: UInt8 = 1
    /// `SO_EE_ORIGIN_ICMP` and `SO_EE_ORIGIN_ICMP6`.
    package static let originICMP: UInt8 = 2
    package static let originICMP6: UInt8 = 3

    package struct Report: Equatable {
        var errno: UInt32
        var origin: UInt8
        var type: UInt8
        var code: UInt8
        /// The MTU for "fragmentation needed" / "packet too big" and for local EMSGSIZE.
        var info: UInt32
        /// The ICMP sender, when the report names one.
        var offender: ProbeAddress?
        /// The original packet's payload as queued (for ICMP datagram sockets, the echo header).
        var payload: [UInt8]
        /// The original destination (`msg_name`) and port.
        var destination: ProbeAddress?
        var port: UInt16
    }

    /// Reads an address from a `sockaddr_in` / `sockaddr_in6` at `offset`.
    static func address(in buffer: UnsafeRawBufferPointer, at offset: Int, limit: Int) -> ProbeAddress? {
        guard offset + 2 <= limit else { return nil }
        let family = Int32(buffer.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
        if family == AF_INET, offset + 8 <= limit {
            return .v4(UInt32(bigEndian: buffer.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)))
        }
        if family == AF_INET6, offset + 24 <= limit {
            return ProbeAddress.v6(Array(buffer[(offset + 8)..<(offset + 24)])).unmapped
        }
        return nil
    }

    /// Parses the control buffer of one `recvmsg(MSG_ERRQUEUE)`: the first `IP_RECVERR`/`IPV6_RECVERR` message.
    static func parseControl(_ control: UnsafeRawBufferPointer, length: Int)
        -> (errno: UInt32, origin: UInt8, type: UInt8, code: UInt8, info: UInt32, offender: ProbeAddress?)?
    {
        let word = MemoryLayout<Int>.size
        let headerSize = word + 8
        var offset = 0
        while offset + headerSize <= length {
            let cmsgLength = control.loadUnaligned(fromByteOffset: offset, as: Int.self)
            let level = control.loadUnaligned(fromByteOffset: offset + word, as: Int32.self)
            let type = control.loadUnaligned(fromByteOffset: offset + word + 4, as: Int32.self)
            guard cmsgLength >= headerSize, offset + cmsgLength <= length else { return nil }
            let isError =
                (level == Int32(IPPROTO_IP) && type == IP_RECVERR)
                || (level == Int32(IPPROTO_IPV6) && type == IPV6_RECVERR)
            if isError, cmsgLength >= headerSize + 16 {
                let data = offset + headerSize
                return (
                    control.loadUnaligned(fromByteOffset: data, as: UInt32.self), control[data + 4], control[data + 5],
                    control[data + 6],
                    control.loadUnaligned(fromByteOffset: data + 8, as: UInt32.self),
                    address(in: control, at: data + 16, limit: offset + cmsgLength)
                )
            }
            offset += (cmsgLength + word - 1) & ~(word - 1)
        }
        return nil
    }

    /// Reads one report from the error queue without blocking; nil when the queue is empty.
    static func read(_ fd: Int32) -> Report? {
        var payload = [UInt8](repeating: 0, count: 2048)
        var control = [UInt8](repeating: 0, count: 512)
        var name = sockaddr_storage()
        return payload.withUnsafeMutableBytes { payloadBuffer in
            control.withUnsafeMutableBytes { controlBuffer in
                withUnsafeMutableBytes(of: &name) { nameBuffer in
                    var vector = iovec(iov_base: payloadBuffer.baseAddress, iov_len: payloadBuffer.count)
                    return withUnsafeMutablePointer(to: &vector) { vectorPointer in
                        var message = msghdr()
                        message.msg_name = nameBuffer.baseAddress
                        message.msg_namelen = socklen_t(nameBuffer.count)
                        message.msg_iov = vectorPointer
                        message.msg_iovlen = 1
                        message.msg_control = controlBuffer.baseAddress
                        message.msg_controllen = controlBuffer.count
                        guard let count = Syscall.receiveMessage(fd, &message, flags: Int32(MSG_ERRQUEUE)),
                            let parsed = parseControl(
                                UnsafeRawBufferPointer(controlBuffer), length: Int(message.msg_controllen))
                        else { return nil }
                        let names = UnsafeRawBufferPointer(nameBuffer)
                        return Report(
                            errno: parsed.errno, origin: parsed.origin, type: parsed.type, code: parsed.code,
                            info: parsed.info,
                            offender: parsed.offender, payload: Array(payloadBuffer.prefix(count)),
                            destination: address(in: names, at: 0, limit: Int(message.msg_namelen)),
                            port: UInt16(bigEndian: names.loadUnaligned(fromByteOffset: 2, as: UInt16.self)))
                    }
                }
            }
        }
    }

    /// What an ICMP/ICMPv6 report means for a probe of `size` bytes (nil: nothing we act on).
    static func outcome(_ report: Report, size: Int, ipv6: Bool) -> (ProbeOutcome, suspect: Bool)? {
        let from = report.offender?.description ?? "?"
        switch report.origin {
        case originLocal:
            return (.localLimit(mtu: Int(report.info)), false)
        case originICMP:
            switch (report.type, report.code) {
            case (3, 4):
                return (
                    .ptb(mtu: Int(report.info), source: from),
                    PTBPlausibility.suspect(mtu: Int(report.info), probeSize: size, ipv6: false)
                )
            case (11, _): return (.timeExceeded(from: from), false)
            case (3, let code): return (.unreachable(code: Int(code), from: from), false)
            default: return nil
            }
        case originICMP6:
            switch (report.type, report.code) {
            case (2, _):
                return (
                    .ptb(mtu: Int(report.info), source: from),
                    PTBPlausibility.suspect(mtu: Int(report.info), probeSize: size, ipv6: true)
                )
            case (3, _): return (.timeExceeded(from: from), false)
            // Destination unreachable; code 4 ("port unreachable") is the UDP probe's answer from the target.
            case (1, let code): return (.unreachable(code: code == 4 ? 3 : Int(code), from: from), false)
            default: return nil
            }
        default:
            return nil
        }
    }
}

extension ProbeAddress {
    /// An IPv4-mapped IPv6 address (::ffff:a.b.c.d) as plain IPv4.
    package var unmapped: ProbeAddress {
        guard isIPv6, high == 0, low >> 32 == 0xffff else { return self }
        return .v4(ipv4Value)
    }

    /// IPv4 as IPv4-mapped IPv6, for sending from a dual-stack socket.
    var mapped: ProbeAddress {
        guard !isIPv6 else { return self }
        return .v6([UInt8](repeating: 0, count: 10) + [0xff, 0xff] + bytes)
    }

    /// Sets DF-without-cache (`*_PMTUDISC_PROBE`) and error reporting for this family on `fd`.
    func configureProbeSocket(_ fd: Int32, receiveErrors: Bool) throws(Syscall.Failure) {
        switch version {
        case .ipv4:
            try Syscall.setOption(fd, level: Int32(IPPROTO_IP), name: IP_MTU_DISCOVER, value: IP_PMTUDISC_PROBE)
            if receiveErrors { try Syscall.setOption(fd, level: Int32(IPPROTO_IP), name: IP_RECVERR, value: 1) }
        case .ipv6:
            try Syscall.setOption(fd, level: Int32(IPPROTO_IPV6), name: IPV6_MTU_DISCOVER, value: IPV6_PMTUDISC_PROBE)
            if receiveErrors { try Syscall.setOption(fd, level: Int32(IPPROTO_IPV6), name: IPV6_RECVERR, value: 1) }
        }
    }

    /// Sets the TTL / hop limit for the next packets on `fd`.
    func setHopLimit(_ fd: Int32, _ value: Int32) throws(Syscall.Failure) {
        switch version {
        case .ipv4: try Syscall.setOption(fd, level: Int32(IPPROTO_IP), name: IP_TTL, value: value)
        case .ipv6: try Syscall.setOption(fd, level: Int32(IPPROTO_IPV6), name: IPV6_UNICAST_HOPS, value: value)
        }
    }
}

/// Forward probes without privilege: an ICMP (or ICMPv6) datagram ("ping") socket, allowed when
/// `net.ipv4.ping_group_range` covers our group. Replies come on the socket; "too big", "time exceeded" and local
/// refusals come on its error queue, each carrying the echo header of the probe it is about.
public struct ICMPDatagramProber: EchoSocket {
    let fd: Int32
    let target: ProbeAddress
    let timeoutMilliseconds: Int
    let routeMTU: Int?
    var echo = EchoWave()
    var descriptor: Int32 { fd }

    public init(target: ProbeAddress, timeoutMilliseconds: Int) throws(ProbeError) {
        fd = try Self.openSocket(
            Int32(SOCK_DGRAM.rawValue), for: target, receiveErrors: true,
            refused:
                "ICMP datagram sockets are closed to this group: widen them with `sudo sysctl -w net.ipv4.ping_group_range=\"0 2147483647\"` (per network namespace; it covers ICMPv6 too), or use a raw socket as root / with CAP_NET_RAW"
        )
        self.target = target
        self.timeoutMilliseconds = timeoutMilliseconds
        self.routeMTU = Syscall.routeMTU(to: target)
    }

    public func close() { Syscall.close(fd) }

    func setHopLimit(_ ttl: Int32) throws(Syscall.Failure) { try target.setHopLimit(fd, ttl) }

    /// The kernel fills in the identifier (the socket's port) and the checksum.
    func sendEcho(sequence: UInt16, size: Int) throws(Syscall.Failure) {
        let packet =
            target.isIPv6
            ? ICMPv6.echoRequest(identifier: 0, sequence: sequence, packetSize: size)
            : ICMPv4.echoRequest(identifier: 0, sequence: sequence, packetSize: size)
        do {
            try Syscall.send(fd, packet, to: target)
        } catch {
            // With *_RECVERR an earlier ICMP error becomes the socket's pending error and fails the next send once,
            // without sending it. That failure consumed it: send again to learn the probe's own fate.
            try Syscall.send(fd, packet, to: target)
        }
    }

    /// Replies come on the socket without an IP header; errors on the error queue with the echo header they quote.
    func readAnswers(_ body: (UInt16, ProbeOutcome) -> Void) {
        let replyType: UInt8 = target.isIPv6 ? 129 : 0
        var buffer = [UInt8](repeating: 0, count: 65536)
        while let received = try? Syscall.receiveAny(fd, into: &buffer), received.count >= 8 {
            if buffer[0] == replyType { body(UInt16(buffer[6]) << 8 | UInt16(buffer[7]), .passed) }
        }
        while let report = ErrorQueue.read(fd) {
            guard report.payload.count >= 8,
                let (outcome, _) = ErrorQueue.outcome(report, size: Int.max, ipv6: target.isIPv6)
            else { continue }
            body(UInt16(report.payload[6]) << 8 | UInt16(report.payload[7]), outcome)
        }
    }
}

/// Forward probes as tracepath sends them: UDP datagrams with DF to closed ports; the target's "port unreachable"
/// means the size arrived. Errors come from the error queue, matched by the destination port they name.
///
/// Targets rate-limit "port unreachable" (about 6 at once, then 1 per second), so probes are paced and the search
/// narrows with two sizes per wave: many seconds instead of a fraction of one, but no privilege is needed and it
/// works where echo is filtered.
public struct UDPProber: WaveProber {
    let socket: any DatagramSocket
    let target: ProbeAddress
    let timeoutMilliseconds: Int
    var sequence: UInt16 = 0
    public private(set) var probesSent = 0
    /// Linux lets a host send about 6 "port unreachable" to one peer at once, then 1 per second: probes are paced
    /// by a token bucket that mirrors it (5 at once, one more every 1.05 s).
    package struct Pacing: Sendable {
        package var burst: Double = 5
        package var interval = Duration.milliseconds(1050)
        package static let icmpRateLimit = Pacing()
    }
    let pacing: Pacing
    var tokens: Double
    var lastRefill = ContinuousClock().now
    static let basePort: UInt16 = 33434

    public init(target: ProbeAddress, timeoutMilliseconds: Int) throws(ProbeError) {
        let socket: KernelDatagramSocket
        do {
            socket = try KernelDatagramSocket(toward: target, dontFragment: true, receiveErrors: true)
        } catch {
            throw ProbeError(.system, error.description)
        }
        self.init(target: target, socket: socket, timeoutMilliseconds: timeoutMilliseconds)
    }

    /// Over any datagram socket (a simulated path in the tests).
    package init(
        target: ProbeAddress, socket: any DatagramSocket, timeoutMilliseconds: Int, pacing: Pacing = .icmpRateLimit
    ) {
        self.socket = socket
        self.target = target
        self.timeoutMilliseconds = timeoutMilliseconds
        self.pacing = pacing
        tokens = pacing.burst
    }

    public func close() { socket.close() }

    public mutating func send(_ wave: [ProbeRequest]) throws -> [ProbeOutcome] {
        var outcomes = [ProbeOutcome](repeating: .silent, count: wave.count)
        let clock = ContinuousClock()
        var pending: [UInt16: Int] = [:]
        var lastSend = clock.now
        let headers = target.isIPv6 ? 48 : 28
        func collect(until deadline: ContinuousClock.Instant) {
            while !pending.isEmpty, clock.now < deadline {
                socket.waitForError(milliseconds: 20)
                while let report = socket.readError() {
                    guard let index = pending[report.port],
                        let (outcome, suspect) = ErrorQueue.outcome(
                            report, size: wave[index].size, ipv6: target.isIPv6), !suspect
                    else { continue }
                    outcomes[index] = outcome
                    pending.removeValue(forKey: report.port)
                }
            }
        }
        for index in wave.indices {
            // Wait for a token, reading answers meanwhile.
            let now = clock.now
            let elapsed = now - lastRefill
            tokens = min(pacing.burst, tokens + elapsed.inSeconds / pacing.interval.inSeconds)
            lastRefill = now
            if tokens < 1 {
                let wait = Duration.milliseconds(Int64((1 - tokens) * Double(pacing.interval.inMilliseconds)) + 1)
                collect(until: now + wait)
                let spent = clock.now - now
                if spent < wait { usleep(useconds_t(clamping: (wait - spent).inMicroseconds)) }
                tokens = 1
                lastRefill = clock.now
            }
            tokens -= 1
            sequence &+= 1
            let port = Self.basePort &+ (sequence % 20000)
            let payload = [UInt8](repeating: 0x55, count: max(0, wave[index].size - headers))
            if let ttl = wave[index].ttl { try socket.setHopLimit(Int32(ttl)) }
            do {
                do {
                    try socket.send(payload, to: target, port: port)
                } catch {
                    try socket.send(payload, to: target, port: port)  // a pending error consumed the first try
                }
                probesSent += 1
                pending[port] = index
                lastSend = clock.now
            } catch {
                if error.errno == EMSGSIZE { outcomes[index] = .localLimit(mtu: socket.routeMTU(to: target)) }
            }
            if wave[index].ttl != nil { try socket.setHopLimit(64) }
        }
        collect(until: lastSend + .milliseconds(timeoutMilliseconds))
        return outcomes
    }
}
#endif
