#if os(Linux)
import Glibc

/// Forward probes: ICMP echo requests with DF from a raw socket, answers read from the same socket.
///
/// The raw socket sees every ICMP packet that reaches this host, so echo replies, "fragmentation needed" and
/// "time exceeded" all arrive here and are matched to probes by the identifier and sequence they quote.
/// `IP_PMTUDISC_PROBE` sets DF and ignores any cached path MTU, so an earlier PTB cannot make the kernel refuse a
/// size locally and lie about the path. An ICMP dropped by this host's rp_filter never reaches the socket.
public struct ICMPProber: WaveProber {
    let fd: Int32
    let target: ProbeAddress
    let identifier: UInt16
    var sequence: UInt16 = 0
    public private(set) var probesSent = 0
    let timeoutMilliseconds: Int
    var worstRTT: Duration = .zero
    /// The route MTU toward the target (IP_MTU on a connected UDP socket), for local refusals.
    let routeMTU: Int?
    /// This wave's probe sizes, and PTBs too implausible to settle a probe on their own (see `drain`).
    var waveSizes: [Int] = []
    var suspectPTBs: [Int: ProbeOutcome] = [:]

    /// Opens the raw socket.
    ///
    /// - Throws: ``ProbeError`` with how to grant the privilege when the socket cannot be opened.
    public init(target: ProbeAddress, timeoutMilliseconds: Int) throws(ProbeError) {
        do {
            switch target {
            case .v4: fd = try Syscall.socket(family: AF_INET, type: Int32(SOCK_RAW.rawValue), protocol: Int32(IPPROTO_ICMP))
            case .v6: fd = try Syscall.socket(family: AF_INET6, type: Int32(SOCK_RAW.rawValue), protocol: Int32(IPPROTO_ICMPV6))
            }
        } catch {
            if error.errno == EPERM || error.errno == EACCES {
                throw ProbeError(
                    .noPrivilege,
                    "opening a raw ICMP socket needs CAP_NET_RAW: run as root, or grant it once with `sudo setcap cap_net_raw+ep $(command -v mtu-doctor)`")
            }
            throw ProbeError(.system, error.description)
        }
        do {
            switch target {
            case .v4: try Syscall.setOption(fd, level: Int32(IPPROTO_IP), name: IP_MTU_DISCOVER, value: IP_PMTUDISC_PROBE)
            case .v6: try Syscall.setOption(fd, level: Int32(IPPROTO_IPV6), name: IPV6_MTU_DISCOVER, value: IPV6_PMTUDISC_PROBE)
            }
            Syscall.enlargeBuffers(fd)
        } catch {
            Syscall.close(fd)
            throw ProbeError(.system, error.description)
        }
        self.target = target
        self.timeoutMilliseconds = timeoutMilliseconds
        self.identifier = UInt16(truncatingIfNeeded: getpid() ^ Int32(truncatingIfNeeded: UInt32.random(in: 0...0xffff)))
        self.routeMTU = Syscall.routeMTU(to: target)
    }

    /// Closes the socket.
    public func close() { Syscall.close(fd) }

    static func routeMTU(to target: UInt32) -> Int? { Syscall.routeMTU(to: .v4(target)) }

    public mutating func send(_ wave: [ProbeRequest]) throws -> [ProbeOutcome] {
        waveSizes = wave.map(\.size)
        suspectPTBs = [:]
        var outcomes = [ProbeOutcome](repeating: .silent, count: wave.count)
        var pending: [UInt16: Int] = [:]
        var sentAt: [Int: ContinuousClock.Instant] = [:]
        let clock = ContinuousClock()
        var currentTTL: Int32 = -1
        var buffer = [UInt8](repeating: 0, count: 65536)
        var lastAnswer: ContinuousClock.Instant?
        var bytesSinceDrain = 0
        for (index, request) in wave.enumerated() {
            // Pace the wave: read what has arrived after every 128 KiB sent, so replies never overflow the socket.
            if bytesSinceDrain > 128 << 10 {
                try drain(&buffer, pending: &pending, outcomes: &outcomes, sentAt: sentAt, lastAnswer: &lastAnswer, clock: clock)
                bytesSinceDrain = 0
            }
            bytesSinceDrain += request.size
            sequence &+= 1
            let ttl = Int32(request.ttl ?? 64)
            if ttl != currentTTL {
                switch target {
                case .v4: try Syscall.setOption(fd, level: Int32(IPPROTO_IP), name: IP_TTL, value: ttl)
                case .v6: try Syscall.setOption(fd, level: Int32(IPPROTO_IPV6), name: IPV6_UNICAST_HOPS, value: ttl)
                }
                currentTTL = ttl
            }
            let packet: [UInt8]
            switch target {
            case .v4: packet = ICMPv4.echoRequest(identifier: identifier, sequence: sequence, packetSize: request.size)
            case .v6: packet = ICMPv6.echoRequest(identifier: identifier, sequence: sequence, packetSize: request.size)
            }
            do {
                try Syscall.send(fd, packet, to: target)
                probesSent += 1
                pending[sequence] = index
                sentAt[index] = clock.now
            } catch {
                if error.errno == EMSGSIZE {
                    outcomes[index] = .localLimit(mtu: routeMTU)
                } else if error.errno == ENETUNREACH || error.errno == EHOSTUNREACH {
                    throw ProbeError(.noRoute, "no route to \(target): \(error)")
                } else if error.errno == EPERM {
                    throw ProbeError(.noPrivilege, "sending was refused (\(error)): a local firewall rule may drop ICMP output")
                } else {
                    throw ProbeError(.system, error.description)
                }
            }
        }
        let deadline = clock.now + .milliseconds(timeoutMilliseconds)
        while !pending.isEmpty {
            let now = clock.now
            if now >= deadline { break }
            // Once answers have come and then stopped for a while, the rest is silence: waiting out the full
            // timeout would only slow black-hole detection. The quiet period scales with the slowest RTT seen.
            let quiet = max(Duration.milliseconds(60), worstRTT * 10)
            if let lastAnswer, now - lastAnswer > quiet { break }
            let remaining = min(deadline - now, lastAnswer.map { quiet - (now - $0) } ?? (deadline - now))
            let milliseconds = Int32(max(1, remaining.components.seconds * 1000 + Int64(remaining.components.attoseconds / 1_000_000_000_000_000)))
            guard try Syscall.waitReadable(fd, milliseconds: milliseconds) else { continue }
            try drain(&buffer, pending: &pending, outcomes: &outcomes, sentAt: sentAt, lastAnswer: &lastAnswer, clock: clock)
        }
        for (index, outcome) in suspectPTBs where pending.values.contains(index) { outcomes[index] = outcome }
        return outcomes
    }

    /// Reads every answer waiting on the socket and settles the probes they match.
    private mutating func drain(
        _ buffer: inout [UInt8], pending: inout [UInt16: Int], outcomes: inout [ProbeOutcome], sentAt: [Int: ContinuousClock.Instant],
        lastAnswer: inout ContinuousClock.Instant?, clock: ContinuousClock
    ) throws {
        while let received = try Syscall.receiveAny(fd, into: &buffer) {
            // IPv4 raw sockets deliver the IP header; IPv6 ones do not, and the sender comes from recvfrom.
            let source: ProbeAddress
            let message: ICMPv4.Message
            switch target {
            case .v4:
                guard let parsed = ICMPv4.parse(buffer[0..<received.count]) else { continue }
                source = .v4(parsed.source)
                message = parsed.message
            case .v6:
                guard let parsed = ICMPv6.parse(buffer[0..<received.count]) else { continue }
                source = received.from
                message = parsed
            }
            let outcome: ProbeOutcome
            let sequenceNumber: UInt16
            switch message {
            case .echoReply(let id, let seq):
                guard id == identifier, source == target else { continue }
                outcome = .passed
                sequenceNumber = seq
            case .fragmentationNeeded(let mtu, let id, let seq):
                guard id == identifier else { continue }
                outcome = .ptb(mtu: mtu, source: source.description)
                sequenceNumber = seq
                // A PTB claiming less than the family's minimum, or at least the probe's own size, proves nothing:
                // keep waiting for the echo reply; it stands only if nothing better comes (forged or broken PTBs).
                if let index = pending[seq], PTBPlausibility.suspect(mtu: mtu, probeSize: waveSizes[index], ipv6: { if case .v6 = target { return true } else { return false } }()) {
                    suspectPTBs[index] = outcome
                    continue
                }
            case .timeExceeded(let id, let seq):
                guard id == identifier else { continue }
                outcome = .timeExceeded(from: source.description)
                sequenceNumber = seq
            case .unreachable(let code, let id, let seq):
                guard id == identifier else { continue }
                outcome = .unreachable(code: Int(code), from: source.description)
                sequenceNumber = seq
            }
            guard let index = pending.removeValue(forKey: sequenceNumber) else { continue }
            outcomes[index] = outcome
            let arrival = clock.now
            if let sent = sentAt[index] { worstRTT = max(worstRTT, arrival - sent) }
            lastAnswer = arrival
        }
    }
}
#endif
