#if os(Linux)
import MTUModel
import Glibc
import MTUSystem

/// What differs between the raw and the datagram echo socket; ``EchoWave`` does the rest.
protocol EchoSocket: WaveProber {
    var descriptor: Int32 { get }
    var target: ProbeAddress { get }
    var routeMTU: Int? { get }
    var timeoutMilliseconds: Int { get }
    var echo: EchoWave { get set }
    /// Sets the TTL / hop limit for the next echoes.
    func setHopLimit(_ ttl: Int32) throws(Syscall.Failure)
    /// Sends one echo request; a thrown EMSGSIZE means the local stack refused the size.
    func sendEcho(sequence: UInt16, size: Int) throws(Syscall.Failure)
    /// Reads every waiting answer without blocking, as (sequence, outcome) pairs.
    func readAnswers(_ body: (UInt16, ProbeOutcome) -> Void)
}

extension EchoSocket {
    public var probesSent: Int { echo.probesSent }

    public mutating func send(_ wave: [ProbeRequest]) throws -> [ProbeOutcome] {
        var runner = echo
        defer { echo = runner }
        return try runner.send(wave, on: self, timeoutMilliseconds: timeoutMilliseconds)
    }

    /// Opens an ICMP/ICMPv6 socket of `type` for `target` with DF-without-cache set and large buffers.
    ///
    /// - Parameter refused: the message when the kernel refuses the socket for lack of privilege.
    static func openSocket(_ type: Int32, for target: ProbeAddress, receiveErrors: Bool, refused: String)
        throws(ProbeError) -> Int32
    {
        let fd: Int32
        do {
            fd = try Syscall.socket(
                family: target.family, type: type, protocol: target.isIPv6 ? Int32(IPPROTO_ICMPV6) : Int32(IPPROTO_ICMP)
            )
        } catch {
            if error.errno == EPERM || error.errno == EACCES { throw ProbeError(.noPrivilege, refused) }
            throw ProbeError(.system, error.description)
        }
        do {
            try target.configureProbeSocket(fd, receiveErrors: receiveErrors)
            Syscall.enlargeBuffers(fd)
        } catch {
            Syscall.close(fd)
            throw ProbeError(.system, error.description)
        }
        return fd
    }
}

/// Sends one wave of echo probes and gathers their fates: the part both echo probers share.
///
/// Sends are paced (answers read after every 128 KiB), the wave ends when every probe is answered, when answers stop
/// for a quiet period (10 × the worst RTT, at least 60 ms), or at the timeout. A PTB that
/// ``PTBPlausibility/suspect(mtu:probeSize:ipv6:)`` doubts does not settle its probe: it stands only if nothing
/// better (the echo reply) comes.
struct EchoWave {
    var sequence: UInt16 = 0
    var worstRTT: Duration = .zero
    var probesSent = 0

    mutating func send(_ wave: [ProbeRequest], on socket: some EchoSocket, timeoutMilliseconds: Int) throws
        -> [ProbeOutcome]
    {
        var outcomes = [ProbeOutcome](repeating: .silent, count: wave.count)
        var pending: [UInt16: Int] = [:]
        var sentAt: [Int: ContinuousClock.Instant] = [:]
        var suspect: [Int: ProbeOutcome] = [:]
        var lastAnswer: ContinuousClock.Instant?
        let clock = ContinuousClock()
        let ipv6 = socket.target.isIPv6
        var worstRTT = self.worstRTT
        func drain() {
            socket.readAnswers { sequence, outcome in
                guard let index = pending[sequence] else { return }
                if case .ptb(let mtu, _) = outcome,
                    PTBPlausibility.suspect(mtu: mtu, probeSize: wave[index].size, ipv6: ipv6)
                {
                    suspect[index] = outcome
                    return
                }
                pending.removeValue(forKey: sequence)
                outcomes[index] = outcome
                let arrival = clock.now
                if let sent = sentAt[index] { worstRTT = max(worstRTT, arrival - sent) }
                lastAnswer = arrival
            }
        }
        var currentTTL: Int32 = -1
        var bytesSinceDrain = 0
        for (index, request) in wave.enumerated() {
            if bytesSinceDrain > 128 << 10 {
                drain()
                bytesSinceDrain = 0
            }
            bytesSinceDrain += request.size
            sequence &+= 1
            let ttl = Int32(request.ttl ?? 64)
            if ttl != currentTTL {
                try socket.setHopLimit(ttl)
                currentTTL = ttl
            }
            do {
                try socket.sendEcho(sequence: sequence, size: request.size)
                probesSent += 1
                pending[sequence] = index
                sentAt[index] = clock.now
            } catch {
                switch error.errno {
                case EMSGSIZE: outcomes[index] = .localLimit(mtu: socket.routeMTU)
                case ENETUNREACH, EHOSTUNREACH: throw ProbeError(.noRoute, "no route to \(socket.target): \(error)")
                case EPERM:
                    throw ProbeError(
                        .noPrivilege, "sending was refused (\(error)): a local firewall rule may drop ICMP output")
                default: throw ProbeError(.system, error.description)
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
            Syscall.wait(socket.descriptor, for: POLLIN | POLLERR, milliseconds: 20)
            drain()
        }
        for (index, outcome) in suspect where pending.values.contains(index) { outcomes[index] = outcome }
        self.worstRTT = worstRTT
        return outcomes
    }
}
#endif
