#if os(Linux)
import Glibc

/// Reading `IP_RECVERR` reports from a socket's error queue (`recvmsg(MSG_ERRQUEUE)`), in Swift.
///
/// Glibc's `CMSG_*` macros and `struct sock_extended_err` do not import into Swift, so the layout is read by hand:
/// `struct cmsghdr { size_t cmsg_len; int cmsg_level; int cmsg_type; }` with data aligned to `size_t`, then
/// `struct sock_extended_err { u32 ee_errno; u8 ee_origin, ee_type, ee_code, ee_pad; u32 ee_info; u32 ee_data; }`
/// followed by the offender's `sockaddr_in` (`SO_EE_OFFENDER`).
enum ErrorQueue {
    /// `SO_EE_ORIGIN_LOCAL`: the local stack refused (EMSGSIZE with `info` = MTU).
    static let originLocal: UInt8 = 1
    /// `SO_EE_ORIGIN_ICMP`.
    static let originICMP: UInt8 = 2

    struct Report: Equatable {
        var errno: UInt32
        var origin: UInt8
        var type: UInt8
        var code: UInt8
        /// The MTU for "fragmentation needed" and local EMSGSIZE.
        var info: UInt32
        /// The ICMP sender, host order (0 when none).
        var offender: UInt32
        /// The original packet's payload as queued (for ICMP datagram sockets, the echo header).
        var payload: [UInt8]
        /// The original destination (`msg_name`), host order, and port.
        var destination: UInt32
        var port: UInt16
    }

    /// Parses the control buffer of one `recvmsg(MSG_ERRQUEUE)`: the first `IP_RECVERR` message, if any.
    static func parseControl(_ control: UnsafeRawBufferPointer, length: Int) -> (errno: UInt32, origin: UInt8, type: UInt8, code: UInt8, info: UInt32, offender: UInt32)? {
        let headerSize = MemoryLayout<Int>.size + 8
        var offset = 0
        while offset + headerSize <= length {
            let cmsgLength = control.loadUnaligned(fromByteOffset: offset, as: Int.self)
            let level = control.loadUnaligned(fromByteOffset: offset + MemoryLayout<Int>.size, as: Int32.self)
            let type = control.loadUnaligned(fromByteOffset: offset + MemoryLayout<Int>.size + 4, as: Int32.self)
            guard cmsgLength >= headerSize, offset + cmsgLength <= length else { return nil }
            if level == Int32(IPPROTO_IP), type == IP_RECVERR, cmsgLength >= headerSize + 16 {
                let data = offset + headerSize
                let errorNumber = control.loadUnaligned(fromByteOffset: data, as: UInt32.self)
                let origin = control[data + 4], icmpType = control[data + 5], icmpCode = control[data + 6]
                let info = control.loadUnaligned(fromByteOffset: data + 8, as: UInt32.self)
                var offender: UInt32 = 0
                if cmsgLength >= headerSize + 16 + MemoryLayout<sockaddr_in>.size {
                    let family = control.loadUnaligned(fromByteOffset: data + 16, as: UInt16.self)
                    if family == UInt16(AF_INET) {
                        offender = UInt32(bigEndian: control.loadUnaligned(fromByteOffset: data + 16 + 4, as: UInt32.self))
                    }
                }
                return (errorNumber, origin, icmpType, icmpCode, info, offender)
            }
            let aligned = (cmsgLength + MemoryLayout<Int>.size - 1) & ~(MemoryLayout<Int>.size - 1)
            offset += aligned
        }
        return nil
    }

    /// Reads one report from the error queue without blocking; nil when the queue is empty.
    static func read(_ fd: Int32) -> Report? {
        var payload = [UInt8](repeating: 0, count: 2048)
        var control = [UInt8](repeating: 0, count: 512)
        var name = sockaddr_in()
        return payload.withUnsafeMutableBytes { payloadBuffer in
            control.withUnsafeMutableBytes { controlBuffer in
                withUnsafeMutablePointer(to: &name) { namePointer in
                    var vector = iovec(iov_base: payloadBuffer.baseAddress, iov_len: payloadBuffer.count)
                    return withUnsafeMutablePointer(to: &vector) { vectorPointer in
                        var message = msghdr()
                        message.msg_name = UnsafeMutableRawPointer(namePointer)
                        message.msg_namelen = socklen_t(MemoryLayout<sockaddr_in>.size)
                        message.msg_iov = vectorPointer
                        message.msg_iovlen = 1
                        message.msg_control = controlBuffer.baseAddress
                        message.msg_controllen = controlBuffer.count
                        let count = recvmsg(fd, &message, Int32(MSG_ERRQUEUE) | Int32(MSG_DONTWAIT))
                        guard count >= 0,
                              let parsed = parseControl(UnsafeRawBufferPointer(controlBuffer), length: Int(message.msg_controllen))
                        else { return nil }
                        return Report(
                            errno: parsed.errno, origin: parsed.origin, type: parsed.type, code: parsed.code, info: parsed.info,
                            offender: parsed.offender, payload: Array(payloadBuffer.prefix(count)),
                            destination: UInt32(bigEndian: namePointer.pointee.sin_addr.s_addr), port: UInt16(bigEndian: namePointer.pointee.sin_port))
                    }
                }
            }
        }
    }
}

/// Forward probes without privilege: an ICMP datagram ("ping") socket, allowed when `net.ipv4.ping_group_range`
/// covers our group. Replies come on the socket; "fragmentation needed", "time exceeded" and local refusals come on
/// its error queue (`IP_RECVERR`), each carrying the echo header of the probe it is about.
public struct ICMPDatagramProber: WaveProber {
    let fd: Int32
    let target: UInt32
    var sequence: UInt16 = 0
    public private(set) var probesSent = 0
    let timeoutMilliseconds: Int
    var worstRTT: Duration = .zero
    let routeMTU: Int?
    var waveSizes: [Int] = []
    var suspectPTBs: [Int: ProbeOutcome] = [:]

    public init(target: UInt32, timeoutMilliseconds: Int) throws(ProbeError) {
        do {
            fd = try Syscall.socket(family: AF_INET, type: Int32(SOCK_DGRAM.rawValue), protocol: Int32(IPPROTO_ICMP))
        } catch {
            if error.errno == EACCES || error.errno == EPERM {
                throw ProbeError(
                    .noPrivilege,
                    "ICMP datagram sockets are closed to this group: widen them with `sudo sysctl -w net.ipv4.ping_group_range=\"0 2147483647\"` (per network namespace), or use a raw socket as root / with CAP_NET_RAW")
            }
            throw ProbeError(.system, error.description)
        }
        do {
            try Syscall.setOption(fd, level: Int32(IPPROTO_IP), name: IP_MTU_DISCOVER, value: IP_PMTUDISC_PROBE)
            try Syscall.setOption(fd, level: Int32(IPPROTO_IP), name: IP_RECVERR, value: 1)
            Syscall.enlargeBuffers(fd)
        } catch {
            Syscall.close(fd)
            throw ProbeError(.system, error.description)
        }
        self.target = target
        self.timeoutMilliseconds = timeoutMilliseconds
        self.routeMTU = ICMPProber.routeMTU(to: target)
    }

    public func close() { Syscall.close(fd) }

    public mutating func send(_ wave: [ProbeRequest]) throws -> [ProbeOutcome] {
        waveSizes = wave.map(\.size)
        suspectPTBs = [:]
        var outcomes = [ProbeOutcome](repeating: .silent, count: wave.count)
        var pending: [UInt16: Int] = [:]
        var sentAt: [Int: ContinuousClock.Instant] = [:]
        let clock = ContinuousClock()
        var lastAnswer: ContinuousClock.Instant?
        var currentTTL: Int32 = -1
        var bytesSinceDrain = 0
        for (index, request) in wave.enumerated() {
            if bytesSinceDrain > 128 << 10 {
                drain(&pending, &outcomes, sentAt, &lastAnswer, clock)
                bytesSinceDrain = 0
            }
            bytesSinceDrain += request.size
            sequence &+= 1
            let ttl = Int32(request.ttl ?? 64)
            if ttl != currentTTL {
                try Syscall.setOption(fd, level: Int32(IPPROTO_IP), name: IP_TTL, value: ttl)
                currentTTL = ttl
            }
            // The kernel fills in the identifier (the socket's port) and the checksum.
            let packet = ICMPv4.echoRequest(identifier: 0, sequence: sequence, packetSize: request.size)
            do {
                do {
                    try Syscall.send(fd, packet, to: .v4(target))
                } catch {
                    // With IP_RECVERR an earlier ICMP error becomes the socket's pending error and fails the next send
                    // once, without sending it. That failure consumed it: send again to learn the probe's own fate.
                    try Syscall.send(fd, packet, to: .v4(target))
                }
                probesSent += 1
                pending[sequence] = index
                sentAt[index] = clock.now
            } catch {
                if error.errno == EMSGSIZE {
                    outcomes[index] = .localLimit(mtu: routeMTU)
                } else if error.errno == ENETUNREACH || error.errno == EHOSTUNREACH {
                    throw ProbeError(.noRoute, "no route to \(ICMPv4.string(target)): \(error)")
                }
            }
        }
        let deadline = clock.now + .milliseconds(timeoutMilliseconds)
        while !pending.isEmpty {
            let now = clock.now
            if now >= deadline { break }
            let quiet = max(Duration.milliseconds(60), worstRTT * 10)
            if let lastAnswer, now - lastAnswer > quiet { break }
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN | POLLERR), revents: 0)
            _ = Glibc.poll(&descriptor, 1, 20)
            drain(&pending, &outcomes, sentAt, &lastAnswer, clock)
        }
        for (index, outcome) in suspectPTBs where pending.values.contains(index) { outcomes[index] = outcome }
        return outcomes
    }

    private mutating func drain(
        _ pending: inout [UInt16: Int], _ outcomes: inout [ProbeOutcome], _ sentAt: [Int: ContinuousClock.Instant],
        _ lastAnswer: inout ContinuousClock.Instant?, _ clock: ContinuousClock
    ) {
        func settle(_ sequence: UInt16, _ outcome: ProbeOutcome) {
            guard let index = pending.removeValue(forKey: sequence) else { return }
            outcomes[index] = outcome
            let arrival = clock.now
            if let sent = sentAt[index] { worstRTT = max(worstRTT, arrival - sent) }
            lastAnswer = arrival
        }
        var buffer = [UInt8](repeating: 0, count: 65536)
        while let received = try? Syscall.receive(fd, into: &buffer), received.count >= 8 {
            // A datagram socket delivers the ICMP message without the IP header.
            if buffer[0] == 0 { settle(UInt16(buffer[6]) << 8 | UInt16(buffer[7]), .passed) }
        }
        while let report = ErrorQueue.read(fd) {
            guard report.payload.count >= 8 else { continue }
            let sequence = UInt16(report.payload[6]) << 8 | UInt16(report.payload[7])
            if report.origin == ErrorQueue.originLocal {
                settle(sequence, .localLimit(mtu: Int(report.info)))
            } else if report.origin == ErrorQueue.originICMP {
                let from = ICMPv4.string(report.offender)
                switch (report.type, report.code) {
                case (3, 4):
                    if let index = pending[sequence], PTBPlausibility.suspect(mtu: Int(report.info), probeSize: waveSizes[index], ipv6: false) {
                        suspectPTBs[index] = .ptb(mtu: Int(report.info), source: from)
                    } else {
                        settle(sequence, .ptb(mtu: Int(report.info), source: from))
                    }
                case (11, _): settle(sequence, .timeExceeded(from: from))
                case (3, let code): settle(sequence, .unreachable(code: Int(code), from: from))
                default: continue
                }
            }
        }
    }
}
#endif

#if os(Linux)
/// Forward probes as tracepath sends them: UDP datagrams with DF to closed ports; the target's "port unreachable"
/// means the size arrived. Errors come from the `IP_RECVERR` queue, matched by the destination port they name.
///
/// Targets rate-limit "port unreachable" (about 6 at once, then 1 per second), so probes are paced and the search
/// narrows with two sizes per wave: many seconds instead of a fraction of one, but no privilege is needed and it
/// works where echo is filtered.
public struct UDPProber: WaveProber {
    let fd: Int32
    let target: UInt32
    let timeoutMilliseconds: Int
    var sequence: UInt16 = 0
    public private(set) var probesSent = 0
    /// Linux lets a host send about 6 "port unreachable" to one peer at once, then 1 per second: probes are paced
    /// by a token bucket that mirrors it (5 at once, one more every 1.05 s).
    var tokens = 5.0
    var lastRefill = ContinuousClock().now
    static let basePort: UInt16 = 33434

    public init(target: UInt32, timeoutMilliseconds: Int) throws(ProbeError) {
        do {
            fd = try Syscall.socket(family: AF_INET, type: Int32(SOCK_DGRAM.rawValue), protocol: 0)
            try Syscall.setOption(fd, level: Int32(IPPROTO_IP), name: IP_MTU_DISCOVER, value: IP_PMTUDISC_PROBE)
            try Syscall.setOption(fd, level: Int32(IPPROTO_IP), name: IP_RECVERR, value: 1)
        } catch {
            throw ProbeError(.system, error.description)
        }
        self.target = target
        self.timeoutMilliseconds = timeoutMilliseconds
    }

    public func close() { Syscall.close(fd) }

    public mutating func send(_ wave: [ProbeRequest]) throws -> [ProbeOutcome] {
        var outcomes = [ProbeOutcome](repeating: .silent, count: wave.count)
        let clock = ContinuousClock()
        var pending: [UInt16: Int] = [:]
        var lastSend = clock.now
        func collect(until deadline: ContinuousClock.Instant) {
            while !pending.isEmpty, clock.now < deadline {
                var descriptor = pollfd(fd: fd, events: Int16(POLLERR), revents: 0)
                _ = Glibc.poll(&descriptor, 1, 20)
                while let report = ErrorQueue.read(fd) {
                    guard let index = pending[report.port] else { continue }
                    let from = ICMPv4.string(report.offender)
                    var outcome: ProbeOutcome?
                    switch (report.origin, report.type, report.code) {
                    case (ErrorQueue.originLocal, _, _): outcome = .localLimit(mtu: Int(report.info))
                    case (ErrorQueue.originICMP, 3, 3): outcome = .unreachable(code: 3, from: from)
                    case (ErrorQueue.originICMP, 3, 4):
                        if !PTBPlausibility.suspect(mtu: Int(report.info), probeSize: wave[index].size, ipv6: false) {
                            outcome = .ptb(mtu: Int(report.info), source: from)
                        }
                    case (ErrorQueue.originICMP, 11, _): outcome = .timeExceeded(from: from)
                    case (ErrorQueue.originICMP, 3, let code): outcome = .unreachable(code: Int(code), from: from)
                    default: break
                    }
                    if let outcome {
                        outcomes[index] = outcome
                        pending.removeValue(forKey: report.port)
                    }
                }
            }
        }
        for index in wave.indices {
            // Wait for a token, reading answers meanwhile.
            let now = clock.now
            let elapsed = now - lastRefill
            tokens = min(5, tokens + (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18) / 1.05)
            lastRefill = now
            if tokens < 1 {
                let wait = Duration.milliseconds(Int64((1 - tokens) * 1050) + 1)
                collect(until: clock.now + wait)
                if clock.now < now + wait { usleep(useconds_t(max(0, (wait - (clock.now - now)).components.attoseconds / 1_000_000_000_000))) }
                tokens = 1
                lastRefill = clock.now
            }
            tokens -= 1
            sequence &+= 1
            let port = Self.basePort &+ (sequence % 20000)
            let payload = [UInt8](repeating: 0x55, count: max(0, wave[index].size - 28))
            if let ttl = wave[index].ttl { try Syscall.setOption(fd, level: Int32(IPPROTO_IP), name: IP_TTL, value: Int32(ttl)) }
            do {
                do {
                    try Syscall.send(fd, payload, to: .v4(target), port: port)
                } catch {
                    try Syscall.send(fd, payload, to: .v4(target), port: port)  // a pending error consumed the first try
                }
                probesSent += 1
                pending[port] = index
                lastSend = clock.now
            } catch {
                if error.errno == EMSGSIZE { outcomes[index] = .localLimit(mtu: ICMPProber.routeMTU(to: target)) }
            }
            if wave[index].ttl != nil { try Syscall.setOption(fd, level: Int32(IPPROTO_IP), name: IP_TTL, value: 64) }
        }
        collect(until: lastSend + .milliseconds(timeoutMilliseconds))
        return outcomes
    }
}
#endif
