#if os(Linux)
import Foundation
import Glibc
import MTUCore
import MTUSystem

/// The wire format between `probe --reverse` and `serve`: small UDP requests asking for replies of a chosen size.
///
/// Request: "MTUQ", version 1, flags, requested IP packet size (UInt16), nonce (UInt32), token length, token, padding.
/// Reply:   "MTUR", version 1, flags, the size (UInt16), nonce (UInt32), [route MTU toward the client (UInt16)], padding.
public enum ReverseWire {
    public static let requestMagic: [UInt8] = Array("MTUQ".utf8)
    public static let replyMagic: [UInt8] = Array("MTUR".utf8)
    /// Flag: report the responder's route MTU toward the client instead of sending a sized reply.
    public static let statusFlag: UInt8 = 1

    public static func request(size: Int, nonce: UInt32, token: [UInt8], status: Bool = false, padTo: Int = 0)
        -> [UInt8]
    {
        var bytes = requestMagic + [1, status ? statusFlag : 0, UInt8(size >> 8), UInt8(size & 0xff)]
        bytes += [UInt8(nonce >> 24), UInt8((nonce >> 16) & 0xff), UInt8((nonce >> 8) & 0xff), UInt8(nonce & 0xff)]
        bytes.append(UInt8(min(token.count, 255)))
        bytes += token.prefix(255)
        if bytes.count < padTo { bytes += [UInt8](repeating: 0, count: padTo - bytes.count) }
        return bytes
    }

    public struct Request: Equatable, Sendable {
        public var size: Int
        public var nonce: UInt32
        public var token: [UInt8]
        public var status: Bool
    }

    public static func parseRequest(_ bytes: ArraySlice<UInt8>) -> Request? {
        guard bytes.count >= 13, Array(bytes.prefix(4)) == requestMagic, bytes[bytes.startIndex + 4] == 1 else {
            return nil
        }
        let b = bytes.startIndex
        let size = Int(bytes[b + 6]) << 8 | Int(bytes[b + 7])
        let nonce =
            UInt32(bytes[b + 8]) << 24 | UInt32(bytes[b + 9]) << 16 | UInt32(bytes[b + 10]) << 8 | UInt32(bytes[b + 11])
        let tokenLength = Int(bytes[b + 12])
        guard bytes.count >= 13 + tokenLength else { return nil }
        return Request(
            size: size, nonce: nonce, token: Array(bytes[(b + 13)..<(b + 13 + tokenLength)]),
            status: bytes[b + 5] & statusFlag != 0)
    }

    /// A reply whose IP packet is `size` bytes (IPv4: 20 + 8 of headers; IPv6: 40 + 8).
    public static func reply(size: Int, nonce: UInt32, routeMTU: Int? = nil, ipv6: Bool = false) -> [UInt8] {
        var bytes = replyMagic + [1, routeMTU == nil ? 0 : statusFlag, UInt8(size >> 8), UInt8(size & 0xff)]
        bytes += [UInt8(nonce >> 24), UInt8((nonce >> 16) & 0xff), UInt8((nonce >> 8) & 0xff), UInt8(nonce & 0xff)]
        if let routeMTU { bytes += [UInt8(routeMTU >> 8), UInt8(routeMTU & 0xff)] }
        let payload = max(size - (ipv6 ? 48 : 28), bytes.count)
        if bytes.count < payload { bytes += [UInt8](repeating: 0x5a, count: payload - bytes.count) }
        return bytes
    }

    public static func parseReply(_ bytes: ArraySlice<UInt8>) -> (nonce: UInt32, size: Int, routeMTU: Int?)? {
        guard bytes.count >= 12, Array(bytes.prefix(4)) == replyMagic else { return nil }
        let b = bytes.startIndex
        let size = Int(bytes[b + 6]) << 8 | Int(bytes[b + 7])
        let nonce =
            UInt32(bytes[b + 8]) << 24 | UInt32(bytes[b + 9]) << 16 | UInt32(bytes[b + 10]) << 8 | UInt32(bytes[b + 11])
        var route: Int?
        if bytes[b + 5] & statusFlag != 0, bytes.count >= 14 { route = Int(bytes[b + 12]) << 8 | Int(bytes[b + 13]) }
        return (nonce, size, route)
    }
}

/// `mtu-doctor serve`: answers reverse-path probes without becoming an amplifier.
///
/// A reply is never larger than the request that asked for it unless the request carries the shared token;
/// every source is rate limited; sources outside the allowed networks are ignored.
public final class Responder {
    public struct Configuration: Sendable {
        public var port: UInt16 = 4790
        public var token: [UInt8] = []
        /// Networks answered (IPv4 or IPv6); empty: everyone.
        public var allowed: [IPNetwork] = []
        /// Requests per second per source (burst: twice that).
        public var ratePerSecond: Double = 500
        public var maxPacket: Int = 9216
        /// Also listen on this TCP port for "MTUD SEND <bytes> [token]" (reverse probing by MSS).
        public var tcpPort: UInt16?
        /// TCP connections held at once. When full, a newcomer evicts the oldest still-idle connection of the source
        /// holding the most, unless it is that source: a few sources cannot lock the others out.
        public var maxClients = 1024
        /// TCP connections one source may hold (a probe wave opens one per size it tests).
        public var maxClientsPerSource = 256

        public init() {}
    }

    let configuration: Configuration
    /// The UDP side: the kernel's socket, or a simulated one in the tests.
    let udp: any DatagramSocket
    var listener: Int32 = -1
    /// A TCP client: reading its request (and, without the token, the padding that pays for the reply), then
    /// writing the reply without ever blocking, each phase with a deadline (never served one at a time: a client
    /// whose data is black-holed must not hold up the others).
    struct Client {
        var fd: Int32
        var source: ProbeAddress
        var line: [UInt8] = []
        /// Bytes received in all, request line included.
        var received = 0
        var request: (bytes: Int, token: String)?
        /// Bytes still to send, once the reply is decided.
        var toSend = 0
        var deadline: ContinuousClock.Instant
    }
    var clients: [Client] = []
    var buckets: [ProbeAddress: (tokens: Double, last: ContinuousClock.Instant)] = [:]

    /// Limits the responder holds: the time a client has to send its request and to take its reply, and the
    /// rate-limit table's size (connection counts are in the configuration).
    public static let requestDeadline = Duration.seconds(2)
    public static let replyDeadline = Duration.seconds(5)
    public static let maxTrackedSources = 10000
    public private(set) var answered = 0
    public private(set) var refused = 0

    public convenience init(_ configuration: Configuration) throws(ProbeError) {
        let udp: KernelDatagramSocket
        do {
            // One dual-stack socket answers IPv4 and IPv6; DF without the PMTU cache for both.
            udp = try KernelDatagramSocket(listeningOn: configuration.port)
        } catch {
            throw ProbeError(.system, "cannot listen on UDP port \(configuration.port): \(error)")
        }
        try self.init(configuration, udp: udp)
    }

    /// Over any datagram socket (a simulated one in the tests); the TCP listener, when configured, is the kernel's.
    package init(_ configuration: Configuration, udp: any DatagramSocket) throws(ProbeError) {
        self.configuration = configuration
        self.udp = udp
        if let tcpPort = configuration.tcpPort {
            do {
                listener = try Syscall.listenTCP(port: tcpPort, backlog: 512).fd
            } catch {
                udp.close()
                throw ProbeError(.system, "cannot listen on TCP port \(tcpPort): \(error)")
            }
        }
    }

    deinit {
        udp.close()
        if listener >= 0 { Syscall.close(listener) }
        for client in clients { ConnectionSafety.reset(client.fd) }
    }

    func allowed(_ source: ProbeAddress) -> Bool {
        if configuration.allowed.isEmpty { return true }
        let address = source.unmapped
        return configuration.allowed.contains { $0.contains(address) }
    }

    func admit(_ source: ProbeAddress, now: ContinuousClock.Instant) -> Bool {
        let rate = configuration.ratePerSecond
        var bucket = buckets[source] ?? (rate * 2, now)
        let elapsed = now - bucket.last
        let seconds = elapsed.inSeconds
        bucket.tokens = min(rate * 2, bucket.tokens + seconds * rate)
        bucket.last = now
        guard bucket.tokens >= 1 else {
            buckets[source] = bucket
            return false
        }
        if buckets[source] == nil, buckets.count >= Self.maxTrackedSources {
            // Forget only sources whose bucket has refilled (idle for 2 s): forgetting them changes nothing. Never
            // reset a source that is still limited; when none can be forgotten, a new source waits.
            buckets = buckets.filter { now - $0.value.last < .seconds(2) }
            guard buckets.count < Self.maxTrackedSources else { return false }
        }
        bucket.tokens -= 1
        buckets[source] = bucket
        return true
    }

    /// Serves until `shouldStop` returns true (checked at least every 200 ms).
    public func run(until shouldStop: () -> Bool) throws(ProbeError) {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let clock = ContinuousClock()
        while !shouldStop() {
            var descriptors = [pollfd(fd: udp.descriptor, events: Int16(POLLIN), revents: 0)]
            if listener >= 0 { descriptors.append(pollfd(fd: listener, events: Int16(POLLIN), revents: 0)) }
            descriptors += clients.map {
                pollfd(fd: $0.fd, events: Int16($0.toSend > 0 ? POLLOUT : POLLIN), revents: 0)
            }
            _ = try? Syscall.poll(&descriptors, milliseconds: 100)
            do {
                while let received = try udp.receive(into: &buffer) {
                    handle(
                        Array(buffer[0..<received.count]), from: received.from.unmapped, port: received.port,
                        now: clock.now)
                }
            } catch {
                throw ProbeError(.system, error.description)
            }
            if listener >= 0 {
                serveClients(now: clock.now, buffer: &buffer)
                if descriptors[1].revents & Int16(POLLIN) != 0 { acceptTCP(now: clock.now) }
            }
        }
    }

    /// Accepts every waiting connection; each must send its "MTUD SEND" line within 2 s. A source holds at most
    /// `maxClientsPerSource` of the `maxClients` slots, and a full table makes room for a smaller holder.
    func acceptTCP(now: ContinuousClock.Instant) {
        while true {
            // Out of descriptors or any other accept error: the next poll round tries again.
            guard let (connection, source) = (try? Syscall.accept(listener)) ?? nil else { return }
            let held = clients.lazy.filter { $0.source == source }.count
            if clients.count >= configuration.maxClients { evictForNewcomer(holding: held) }
            guard allowed(source), held < configuration.maxClientsPerSource, clients.count < configuration.maxClients,
                admit(source, now: now)
            else {
                refused += 1
                ConnectionSafety.reset(connection)
                continue
            }
            Syscall.enlargeBuffers(connection)
            clients.append(Client(fd: connection, source: source, deadline: now + Self.requestDeadline))
        }
    }

    /// Makes room for a source holding `held` connections: the source holding the most (if more than that) loses
    /// its oldest connection that has not sent a request yet.
    func evictForNewcomer(holding held: Int) {
        var counts: [ProbeAddress: Int] = [:]
        for client in clients { counts[client.source, default: 0] += 1 }
        guard let (biggest, count) = counts.max(by: { $0.value < $1.value }), count > held + 1,
            let victim = clients.firstIndex(where: { $0.source == biggest && $0.request == nil && $0.toSend == 0 })
        else { return }
        ConnectionSafety.reset(clients[victim].fd)
        clients.remove(at: victim)
        refused += 1
    }

    /// The reply for a request: with the token up to 4 MiB; without it no more than the client sent (ratio 1).
    func replyBytes(_ request: (bytes: Int, token: String), received: Int) -> Int? {
        let authorised =
            !configuration.token.isEmpty
            && ConnectionSafety.constantTimeEqual(Array(request.token.utf8), configuration.token)
        return authorised ? min(request.bytes, 4 << 20) : min(request.bytes, received, 64 << 10)
    }

    /// Reads requests (and padding), answers when a request is paid for, writes replies without blocking; drops
    /// malformed, late and stalled clients.
    func serveClients(now: ContinuousClock.Instant, buffer: inout [UInt8]) {
        var remaining: [Client] = []
        for var client in clients {
            if client.toSend > 0 {
                // Writing: whatever the socket takes now; a client that does not read in time is reset.
                if Self.flush(&client) {
                    Syscall.close(client.fd)
                } else if now >= client.deadline {
                    ConnectionSafety.reset(client.fd)
                } else {
                    remaining.append(client)
                }
                continue
            }
            var closed = false
            while true {
                // nil: nothing more now; an error (a reset) waits for the deadline like silence does.
                let count = (try? Syscall.receiveAvailable(client.fd, into: &buffer)) ?? -1
                if count > 0 {
                    client.received += count
                    if client.request == nil { client.line += buffer[0..<min(count, 256)] }
                } else {
                    closed = count == 0
                    break
                }
            }
            if client.request == nil, client.line.contains(10) || client.line.count >= 256 {
                guard
                    let request = TCPSendRequest.parse(String(decoding: client.line.prefix { $0 != 10 }, as: UTF8.self))
                else {
                    refused += 1
                    ConnectionSafety.reset(client.fd)
                    continue
                }
                client.request = request
                client.line = []
            }
            if let request = client.request, let bytes = replyBytes(request, received: client.received),
                bytes >= request.bytes || closed || now >= client.deadline
            {
                guard bytes > 0 else {
                    refused += 1
                    ConnectionSafety.reset(client.fd)
                    continue
                }
                client.toSend = bytes
                client.deadline = now + Self.replyDeadline
                answered += 1
                // The reply starts at once where the socket has room.
                if Self.flush(&client) { Syscall.close(client.fd) } else { remaining.append(client) }
            } else if closed || now >= client.deadline {
                ConnectionSafety.reset(client.fd)
            } else {
                remaining.append(client)
            }
        }
        clients = remaining
    }

    static let filler = [UInt8](repeating: 0x5a, count: 65536)

    /// Sends what the socket takes now, never waiting; true when the whole reply is out.
    static func flush(_ client: inout Client) -> Bool {
        while client.toSend > 0 {
            let chunk = min(client.toSend, filler.count)
            let sent = Syscall.sendAvailable(client.fd, filler[0..<chunk])
            guard sent > 0 else { return false }
            client.toSend -= sent
        }
        return true
    }

    func handle(_ datagram: [UInt8], from source: ProbeAddress, port: UInt16, now: ContinuousClock.Instant) {
        guard allowed(source), admit(source, now: now), let request = ReverseWire.parseRequest(datagram[...]) else {
            refused += 1
            return
        }
        let requestPacket = datagram.count + (source.isIPv6 ? 48 : 28)
        let authorised =
            !configuration.token.isEmpty && ConnectionSafety.constantTimeEqual(request.token, configuration.token)
        if request.status {
            // No larger than the request either (probe pads its status request to 64 bytes).
            let size = authorised ? 64 : min(64, requestPacket)
            guard size >= (source.isIPv6 ? 48 : 28) + 14 else {
                refused += 1
                return
            }
            let route = udp.routeMTU(to: source)
            try? udp.send(
                ReverseWire.reply(size: size, nonce: request.nonce, routeMTU: route ?? 0, ipv6: source.isIPv6),
                to: source.mapped, port: port)
            answered += 1
            return
        }
        // No amplification: without the token a reply is at most as large as its request.
        let size = min(request.size, configuration.maxPacket, authorised ? Int.max : requestPacket)
        guard size >= 40 else {
            refused += 1
            return
        }
        // Blocking send: a full send buffer must delay a reply, not lose it (a lost reply would read as a wall).
        try? udp.send(
            ReverseWire.reply(size: size, nonce: request.nonce, ipv6: source.isIPv6), to: source.mapped, port: port,
            blocking: true)
        answered += 1
    }
}

/// Reverse probes: asks a `serve` responder for DF replies of chosen sizes and sees which arrive.
public struct ReverseProber: WaveProber {
    let socket: any DatagramSocket
    let target: ProbeAddress
    let port: UInt16
    let token: [UInt8]
    let timeoutMilliseconds: Int
    var nonce = UInt32.random(in: 0...UInt32.max)
    public private(set) var probesSent = 0

    /// One-way forward probes: each request is padded to the probed size (DF) and asks only for the small status
    /// reply, so an answer proves the request crossed the forward path whatever the way back carries.
    let forward: Bool

    public init(target: ProbeAddress, port: UInt16, token: [UInt8], timeoutMilliseconds: Int, forward: Bool = false)
        throws(ProbeError)
    {
        let socket: KernelDatagramSocket
        do {
            socket = try KernelDatagramSocket(toward: target, dontFragment: forward, receiveErrors: false)
        } catch {
            throw ProbeError(.system, error.description)
        }
        self.init(
            target: target, port: port, token: token, socket: socket, timeoutMilliseconds: timeoutMilliseconds,
            forward: forward)
    }

    /// Over any datagram socket (a simulated path and responder in the tests).
    package init(
        target: ProbeAddress, port: UInt16, token: [UInt8], socket: any DatagramSocket, timeoutMilliseconds: Int,
        forward: Bool = false
    ) {
        self.socket = socket
        self.forward = forward
        self.target = target
        self.port = port
        self.token = token
        self.timeoutMilliseconds = timeoutMilliseconds
    }

    public func close() { socket.close() }

    public mutating func send(_ wave: [ProbeRequest]) throws -> [ProbeOutcome] {
        var outcomes = [ProbeOutcome](repeating: .silent, count: wave.count)
        var pending: [UInt32: Int] = [:]
        var requestedBytes = 0
        for (index, request) in wave.enumerated() {
            // Pace: every 128 KiB of replies asked for, give them a moment and read what arrived.
            requestedBytes += request.size
            if requestedBytes > 128 << 10 {
                try collect(into: &outcomes, pending: &pending, quietMilliseconds: 5) { _, _ in .passed }
                requestedBytes = 0
            }
            nonce &+= 1
            // Without a token the responder answers at most the request's size: pad the request to match.
            let bytes =
                forward
                ? ReverseWire.request(size: 64, nonce: nonce, token: token, status: true, padTo: request.size - headers)
                : ReverseWire.request(
                    size: request.size, nonce: nonce, token: token, padTo: token.isEmpty ? request.size - headers : 0)
            do {
                try socket.send(bytes, to: target, port: port)
                probesSent += 1
                pending[nonce] = index
            } catch {
                outcomes[index] = error.errno == EMSGSIZE ? .localLimit(mtu: nil) : .silent
            }
        }
        try collect(into: &outcomes, pending: &pending) { _, _ in .passed }
        return outcomes
    }

    /// Asks the responder for its route MTU toward us: lower than its interface MTU once a PTB reached it.
    public mutating func responderRouteMTU() throws -> Int? {
        try askStatus(paddedTo: 64).routeMTU
    }

    /// Whether a request padded to `size` bytes reaches the responder: a small status reply comes back to one of
    /// `attempts` tries. Without the token a failing reply size may be its request dying on the way out; this tells
    /// the two apart.
    package mutating func requestArrives(size: Int, attempts: Int = 3) throws -> Bool {
        for _ in 0..<attempts where try askStatus(paddedTo: size).arrived { return true }
        return false
    }

    /// One status request (the small reply carrying the responder's route MTU toward us), padded to a `packet`-byte
    /// IP packet: whether the reply came back, and the route MTU it reported.
    mutating func askStatus(paddedTo packet: Int) throws -> (arrived: Bool, routeMTU: Int?) {
        nonce &+= 1
        try socket.send(
            ReverseWire.request(size: 64, nonce: nonce, token: token, status: true, padTo: packet - headers),
            to: target, port: port)
        probesSent += 1
        var outcomes: [ProbeOutcome] = [.silent]
        var pending: [UInt32: Int] = [nonce: 0]
        var route: Int?
        try collect(into: &outcomes, pending: &pending) { _, reported in
            route = reported
            return .passed
        }
        return (outcomes[0] == .passed, route)
    }

    /// IP and UDP headers of a datagram to the responder.
    var headers: Int { target.isIPv6 ? 48 : 28 }

    private func collect(
        into outcomes: inout [ProbeOutcome], pending: inout [UInt32: Int], quietMilliseconds: Int = 80,
        _ classify: (Int, Int?) -> ProbeOutcome
    ) throws {
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(timeoutMilliseconds)
        var lastAnswer: ContinuousClock.Instant?
        var buffer = [UInt8](repeating: 0, count: 65536)
        while !pending.isEmpty {
            let now = clock.now
            if now >= deadline { break }
            if let lastAnswer, now - lastAnswer > .milliseconds(quietMilliseconds) { break }
            if quietMilliseconds < 80, lastAnswer == nil,
                now - (deadline - .milliseconds(timeoutMilliseconds)) > .milliseconds(quietMilliseconds * 4)
            {
                break
            }
            guard try socket.waitReadable(milliseconds: 20) else { continue }
            while let received = try socket.receive(into: &buffer) {
                guard received.from.unmapped == target,
                    let reply = ReverseWire.parseReply(buffer[0..<received.count][...]),
                    let index = pending.removeValue(forKey: reply.nonce)
                else { continue }
                outcomes[index] = classify(reply.size, reply.routeMTU)
                lastAnswer = clock.now
            }
        }
    }
}
#endif
