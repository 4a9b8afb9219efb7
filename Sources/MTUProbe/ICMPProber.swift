#if os(Linux)
import MTUModel
import Glibc
import MTUSystem

/// Forward probes: ICMP echo requests with DF from a raw socket, answers read from the same socket.
///
/// The raw socket sees every ICMP packet that reaches this host, so echo replies, "fragmentation needed" and
/// "time exceeded" all arrive here and are matched to probes by the identifier and sequence they quote.
/// `IP_PMTUDISC_PROBE` sets DF and ignores any cached path MTU, so an earlier PTB cannot make the kernel refuse a
/// size locally and lie about the path. An ICMP dropped by this host's rp_filter never reaches the socket.
public struct ICMPProber: EchoSocket {
    let fd: Int32
    let target: ProbeAddress
    let identifier: UInt16
    let timeoutMilliseconds: Int
    /// The route MTU toward the target (IP_MTU on a connected UDP socket), for local refusals.
    let routeMTU: Int?
    var echo = EchoWave()
    var descriptor: Int32 { fd }

    /// Opens the raw socket.
    ///
    /// - Throws: ``ProbeError`` with how to grant the privilege when the socket cannot be opened.
    public init(target: ProbeAddress, timeoutMilliseconds: Int) throws(ProbeError) {
        fd = try Self.openSocket(
            Int32(SOCK_RAW.rawValue), for: target, receiveErrors: false,
            refused:
                "opening a raw ICMP socket needs CAP_NET_RAW: run as root, or grant it once with `sudo setcap cap_net_raw+ep $(command -v mtu-doctor)`"
        )
        self.target = target
        self.timeoutMilliseconds = timeoutMilliseconds
        self.identifier = UInt16(
            truncatingIfNeeded: getpid() ^ Int32(truncatingIfNeeded: UInt32.random(in: 0...0xffff)))
        self.routeMTU = Syscall.routeMTU(to: target)
    }

    /// Closes the socket.
    public func close() { Syscall.close(fd) }

    static func routeMTU(to target: UInt32) -> Int? { Syscall.routeMTU(to: .v4(target)) }

    func setHopLimit(_ ttl: Int32) throws(Syscall.Failure) { try target.setHopLimit(fd, ttl) }

    func sendEcho(sequence: UInt16, size: Int) throws(Syscall.Failure) {
        let packet =
            target.isIPv6
            ? ICMPv6.echoRequest(identifier: identifier, sequence: sequence, packetSize: size)
            : ICMPv4.echoRequest(identifier: identifier, sequence: sequence, packetSize: size)
        try Syscall.send(fd, packet, to: target)
    }

    /// IPv4 raw sockets deliver the IP header; IPv6 ones do not, and the sender comes from recvfrom.
    func readAnswers(_ body: (UInt16, ProbeOutcome) -> Void) {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while let received = try? Syscall.receiveAny(fd, into: &buffer) {
            let source: ProbeAddress
            let message: ICMPv4.Message
            switch target.version {
            case .ipv4:
                guard let parsed = ICMPv4.parse(buffer[0..<received.count]) else { continue }
                source = .v4(parsed.source)
                message = parsed.message
            case .ipv6:
                guard let parsed = ICMPv6.parse(buffer[0..<received.count]) else { continue }
                source = received.from
                message = parsed
            }
            switch message {
            case .echoReply(let id, let seq) where id == identifier && source == target: body(seq, .passed)
            case .fragmentationNeeded(let mtu, let id, let seq) where id == identifier:
                body(seq, .ptb(mtu: mtu, source: source.description))
            case .timeExceeded(let id, let seq) where id == identifier:
                body(seq, .timeExceeded(from: source.description))
            case .unreachable(let code, let id, let seq) where id == identifier:
                body(seq, .unreachable(code: Int(code), from: source.description))
            default: continue
            }
        }
    }
}
#endif
