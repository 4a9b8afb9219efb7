#if os(Linux)
import MTUModel
import Glibc
import MTUSystem

/// The TCP side of `serve`: on "MTUD SEND <bytes> [token]\n" it sends that many bytes and closes.
enum TCPSendRequest {
    static func parse(_ line: String) -> (bytes: Int, token: String)? {
        let words = line.split(separator: " ")
        guard words.count >= 3, words[0] == "MTUD", words[1] == "SEND", let bytes = Int(words[2]), bytes > 0 else {
            return nil
        }
        return (bytes, words.count >= 4 ? String(words[3]) : "")
    }

    static func line(bytes: Int, token: String) -> [UInt8] {
        Array("MTUD SEND \(bytes)\(token.isEmpty ? "" : " \(token)")\n".utf8)
    }
}

/// Reverse probes without a UDP responder: each probe is a TCP connection that advertises an MSS chosen so the
/// server's full segments make packets of exactly the probed size, then asks for several segments of data.
///
/// All data arriving means the reverse path carries that size — unless a PTB reached the server, which then
/// shrinks its segments: `TCP_INFO`'s `tcpi_rcv_mss` shows the size that really arrived, and the probe reports
/// a PTB "handled by the server" with that size. Nothing arriving in time is silence.
public struct TCPMSSProber: WaveProber {
    /// What makes the server send: our own responder's request, or a TLS ClientHello (any HTTPS server answers
    /// with its first flight: certificate chain included, several KB).
    public enum Trigger: Sendable {
        case serve(token: String)
        case tlsFlight(serverName: String?)
    }

    let target: ProbeAddress
    let port: UInt16
    let trigger: Trigger
    let timeoutMilliseconds: Int
    public private(set) var probesSent = 0
    /// For TLS: the size of the last complete first flight seen.
    public private(set) var flightBytes: Int?
    /// The largest packet size seen arriving (from `tcpi_rcv_mss`) on a completed connection.
    public private(set) var largestArrived: Int?
    /// Count any completed connection as passed, whatever its segment sizes. Right only where the path is known
    /// to black-hole (a server that never learns cannot shrink its segments), and needed where the server's own
    /// writes, not the MSS, bound its segments (a TLS flight).
    public var completionPasses = false

    /// IPv4 + TCP headers, or IPv6 + TCP.
    var headers: Int { target.isIPv6 ? 60 : 40 }

    public init(target: ProbeAddress, port: UInt16, trigger: Trigger, timeoutMilliseconds: Int) {
        self.target = target
        self.port = port
        self.trigger = trigger
        self.timeoutMilliseconds = timeoutMilliseconds
    }

    /// `struct tcp_info`: `tcpi_options` at byte 5 (bit 0: timestamps), `tcpi_rcv_mss` at byte 20.
    static func receivedSegment(_ fd: Int32) -> (payload: Int, timestamps: Bool)? {
        guard let info = Syscall.tcpInfo(fd), info.count >= 24 else { return nil }
        let payload = info.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 20, as: UInt32.self) }
        return (Int(payload), info[5] & 1 != 0)
    }

    /// One connection of a wave: its size's index, the bytes wanted and received, the TLS flight read so far.
    struct Connection {
        var fd: Int32
        var index: Int
        var wanted: Int
        var received = 0
        var flight: TLSWire.FlightReader?
        var closed = false
    }

    public mutating func send(_ wave: [ProbeRequest]) throws -> [ProbeOutcome] {
        var outcomes = [ProbeOutcome](repeating: .silent, count: wave.count)
        var open: [Connection] = []
        defer { for connection in open where !connection.closed { Syscall.close(connection.fd) } }
        try start(wave, into: &open, outcomes: &outcomes)
        collect(wave, from: &open, outcomes: &outcomes)
        return outcomes
    }

    /// One connection per size, our MSS set so a full segment makes a packet of that size, each asking for its
    /// data (serve's `MTUD SEND`, or a ClientHello). Nothing listening is an error for the whole probe.
    mutating func start(_ wave: [ProbeRequest], into open: inout [Connection], outcomes: inout [ProbeOutcome])
        throws
    {
        for (index, request) in wave.enumerated() {
            // The MSS we advertise excludes the IP + TCP headers; timestamps, if used, come out of it.
            let mss = max(88, request.size - headers)
            do {
                let fd = try Syscall.tcpConnect(
                    to: target, port: port, timeoutMilliseconds: timeoutMilliseconds, maxSegment: mss)
                var connection = Connection(fd: fd, index: index, wanted: max(4 * request.size, 8192))
                switch trigger {
                case .serve(let token):
                    // Without the token serve answers no more than it was sent: pay for the reply with padding.
                    let line = TCPSendRequest.line(bytes: connection.wanted, token: token)
                    if token.isEmpty { Syscall.enlargeBuffers(fd) }  // the padding is queued at once, never waited on
                    try Syscall.sendAll(
                        fd,
                        token.isEmpty
                            ? line + [UInt8](repeating: 0x20, count: max(0, connection.wanted - line.count)) : line)
                case .tlsFlight(let serverName):
                    try Syscall.sendAll(
                        fd,
                        TLSWire.clientHello(
                            serverName: serverName, random: (0..<32).map { _ in UInt8.random(in: 0...255) }))
                    connection.flight = TLSWire.FlightReader()
                    connection.wanted = Int.max
                }
                Syscall.setNonBlocking(fd)
                open.append(connection)
                probesSent += 1
            } catch {
                if error.errno == ECONNREFUSED {
                    throw ProbeError(
                        .refused,
                        "nothing listens on TCP [\(target)]:\(port): start `mtu-doctor serve --tcp-port \(port)` there")
                }
                outcomes[index] = .silent
            }
        }
    }

    /// Reads every connection without blocking until each has its data or closes, the deadline passes, or nothing
    /// arrived for 150 ms; a complete one's largest received segment says which size arrived.
    mutating func collect(_ wave: [ProbeRequest], from open: inout [Connection], outcomes: inout [ProbeOutcome]) {
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(timeoutMilliseconds)
        var lastProgress: ContinuousClock.Instant?
        var buffer = [UInt8](repeating: 0, count: 65536)
        var pending = open.indices.filter { _ in true }
        while !pending.isEmpty, clock.now < deadline {
            if let lastProgress, clock.now - lastProgress > .milliseconds(150) { break }
            var descriptors = pending.map { pollfd(fd: open[$0].fd, events: Int16(POLLIN), revents: 0) }
            _ = try? Syscall.poll(&descriptors, milliseconds: 20)
            var stillPending: [Int] = []
            for position in pending {
                var finished = false
                while true {
                    // nil: nothing more now (or an error: the deadline decides), 0: the server closed.
                    let count = (try? Syscall.receiveAvailable(open[position].fd, into: &buffer)) ?? -1
                    if count > 0 {
                        open[position].received += count
                        open[position].flight?.consume(Array(buffer[0..<count]))
                        lastProgress = clock.now
                        continue
                    }
                    if count == 0 { finished = true }
                    break
                }
                let connection = open[position]
                let complete = connection.flight.map(\.complete) ?? (connection.received >= connection.wanted)
                if finished || complete {
                    if complete, let segment = Self.receivedSegment(connection.fd) {
                        if connection.flight != nil { flightBytes = connection.received }
                        let arrived = segment.payload + headers + (segment.timestamps ? 12 : 0)
                        let size = wave[connection.index].size
                        largestArrived = max(largestArrived ?? 0, arrived)
                        outcomes[connection.index] =
                            arrived >= size || completionPasses
                            ? .passed : .ptb(mtu: arrived, source: "the server (it shrank its segments)")
                    }
                    // Done with it: a server that serves one connection at a time can move on.
                    Syscall.close(connection.fd)
                    open[position].closed = true
                } else {
                    stillPending.append(position)
                }
            }
            pending = stillPending
        }
    }
}
#endif

#if os(Linux)
/// Forward probes over TCP, for paths that filter ICMP echo: one connection per probed size, our MSS clamped so
/// one full segment makes a packet of exactly that size, then wait for its ACK.
///
/// An ACK means the size passed, unless the kernel meanwhile learned a smaller path MTU (`tcpi_pmtu`): then a PTB
/// reached us and TCP resent smaller. No ACK in time is silence.
public struct TCPForwardProber: WaveProber {
    let target: ProbeAddress
    let port: UInt16
    let timeoutMilliseconds: Int
    public private(set) var probesSent = 0

    public init(target: ProbeAddress, port: UInt16, timeoutMilliseconds: Int) {
        self.target = target
        self.port = port
        self.timeoutMilliseconds = timeoutMilliseconds
    }

    /// `struct tcp_info`: `tcpi_snd_mss` at byte 16, `tcpi_unacked` at 24, `tcpi_pmtu` at 60.
    static func info(_ fd: Int32) -> (sendMSS: Int, unacked: Int, pmtu: Int)? {
        guard let info = Syscall.tcpInfo(fd), info.count >= 64 else { return nil }
        return info.withUnsafeBytes {
            (
                Int($0.loadUnaligned(fromByteOffset: 16, as: UInt32.self)),
                Int($0.loadUnaligned(fromByteOffset: 24, as: UInt32.self)),
                Int($0.loadUnaligned(fromByteOffset: 60, as: UInt32.self))
            )
        }
    }

    public mutating func send(_ wave: [ProbeRequest]) throws -> [ProbeOutcome] {
        var outcomes = [ProbeOutcome](repeating: .silent, count: wave.count)
        var open: [(fd: Int32, index: Int)] = []
        defer { for connection in open { Syscall.close(connection.fd) } }
        for (index, request) in wave.enumerated() {
            do {
                let headers = { target.isIPv6 ? 60 : 40 }()
                let fd = try Syscall.tcpConnect(
                    to: target, port: port, timeoutMilliseconds: timeoutMilliseconds,
                    maxSegment: max(88, request.size - headers))
                // One full segment: exactly the MSS TCP settled on (options such as timestamps come out of it).
                let state = Self.info(fd)
                let mss = state?.sendMSS ?? (request.size - headers)
                // Below the size by more than a timestamps option (12 bytes) could explain: capped, not chosen.
                if let state, state.sendMSS + headers + 12 < request.size {
                    // The peer's advertised MSS (or a PMTU it learned toward us) caps our segments below this size:
                    // a segment that passes would prove nothing about it.
                    outcomes[index] = .localLimit(mtu: state.sendMSS + headers)
                    Syscall.close(fd)
                    continue
                }
                open.append((fd, index))
                try Syscall.sendAll(fd, [UInt8](repeating: 0x41, count: mss))
                probesSent += 1
            } catch {
                if error.errno == ECONNREFUSED {
                    throw ProbeError(
                        .refused, "TCP [\(target)]:\(port) refuses connections: give a port that accepts them")
                }
                if error.errno == ETIMEDOUT {
                    throw ProbeError(.noRoute, "TCP [\(target)]:\(port) does not answer SYNs")
                }
            }
        }
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(timeoutMilliseconds)
        var pending = Set(open.indices)
        var lastAck: ContinuousClock.Instant?
        while !pending.isEmpty, clock.now < deadline {
            if let lastAck, clock.now - lastAck > .milliseconds(150) { break }
            usleep(2000)
            for position in pending {
                guard let state = Self.info(open[position].fd), state.unacked == 0 else { continue }
                let size = wave[open[position].index].size
                outcomes[open[position].index] =
                    state.pmtu > 0 && state.pmtu < size
                    ? .ptb(mtu: state.pmtu, source: "this host's TCP (it learned \(state.pmtu) and resent smaller)")
                    : .passed
                pending.remove(position)
                lastAck = clock.now
            }
        }
        return outcomes
    }
}
#endif
