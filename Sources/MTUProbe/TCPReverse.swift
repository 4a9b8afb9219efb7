#if os(Linux)
import Glibc

/// The TCP side of `serve`: on "MTUD SEND <bytes> [token]\n" it sends that many bytes and closes.
enum TCPSendRequest {
    static func parse(_ line: String) -> (bytes: Int, token: String)? {
        let words = line.split(separator: " ")
        guard words.count >= 3, words[0] == "MTUD", words[1] == "SEND", let bytes = Int(words[2]), bytes > 0 else { return nil }
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
    let target: UInt32
    let port: UInt16
    let token: String
    let timeoutMilliseconds: Int
    public private(set) var probesSent = 0

    public init(target: UInt32, port: UInt16, token: String, timeoutMilliseconds: Int) {
        self.target = target
        self.port = port
        self.token = token
        self.timeoutMilliseconds = timeoutMilliseconds
    }

    /// `struct tcp_info`: `tcpi_options` at byte 5 (bit 0: timestamps), `tcpi_rcv_mss` at byte 20.
    static func receivedSegment(_ fd: Int32) -> (payload: Int, timestamps: Bool)? {
        var info = [UInt8](repeating: 0, count: 256)
        var length = socklen_t(info.count)
        guard info.withUnsafeMutableBytes({ getsockopt(fd, Int32(IPPROTO_TCP), TCP_INFO, $0.baseAddress, &length) }) == 0, length >= 24 else { return nil }
        let payload = info.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 20, as: UInt32.self) }
        return (Int(payload), info[5] & 1 != 0)
    }

    public mutating func send(_ wave: [ProbeRequest]) throws -> [ProbeOutcome] {
        struct Connection {
            var fd: Int32
            var index: Int
            var wanted: Int
            var received = 0
        }
        var outcomes = [ProbeOutcome](repeating: .silent, count: wave.count)
        var open: [Connection] = []
        defer { for connection in open { Syscall.close(connection.fd) } }
        for (index, request) in wave.enumerated() {
            // The MSS we advertise excludes the 40 bytes of IPv4 + TCP headers; timestamps, if used, come out of it.
            let mss = max(88, request.size - 40)
            do {
                let fd = try Syscall.tcpConnect(ipv4: target, port: port, timeoutMilliseconds: timeoutMilliseconds, maxSegment: mss)
                let wanted = max(4 * request.size, 8192)
                try Syscall.sendAll(fd, TCPSendRequest.line(bytes: wanted, token: token))
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
                open.append(Connection(fd: fd, index: index, wanted: wanted))
                probesSent += 1
            } catch {
                if error.errno == ECONNREFUSED {
                    throw ProbeError(.refused, "nothing listens on TCP \(ICMPv4.string(target)):\(port): start `mtu-doctor serve --tcp-port \(port)` there")
                }
                outcomes[index] = .silent
            }
        }
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(timeoutMilliseconds)
        var lastProgress: ContinuousClock.Instant?
        var buffer = [UInt8](repeating: 0, count: 65536)
        var pending = open.indices.filter { _ in true }
        while !pending.isEmpty, clock.now < deadline {
            if let lastProgress, clock.now - lastProgress > .milliseconds(150) { break }
            var descriptors = pending.map { pollfd(fd: open[$0].fd, events: Int16(POLLIN), revents: 0) }
            _ = Glibc.poll(&descriptors, nfds_t(descriptors.count), 20)
            var stillPending: [Int] = []
            for position in pending {
                var finished = false
                while true {
                    let count = buffer.withUnsafeMutableBytes { Glibc.recv(open[position].fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
                    if count > 0 {
                        open[position].received += count
                        lastProgress = clock.now
                        continue
                    }
                    if count == 0 { finished = true }
                    break
                }
                let connection = open[position]
                if finished || connection.received >= connection.wanted {
                    if connection.received >= connection.wanted, let segment = Self.receivedSegment(connection.fd) {
                        let arrived = segment.payload + 40 + (segment.timestamps ? 12 : 0)
                        let size = wave[connection.index].size
                        outcomes[connection.index] = arrived >= size ? .passed : .ptb(mtu: arrived, source: "the server (it shrank its segments)")
                    }
                } else {
                    stillPending.append(position)
                }
            }
            pending = stillPending
        }
        return outcomes
    }
}
#endif
