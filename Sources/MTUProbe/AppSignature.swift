#if os(Linux)
import Glibc
import MTUCore
import MTUSystem

public enum AppSignature {
    /// A TCP connect alone (for ports that do not speak TLS): milliseconds, or nil when it does not connect.
    public static func tcpConnect(address: ProbeAddress, port: UInt16, timeoutMilliseconds: Int) -> Int? {
        let clock = ContinuousClock()
        let start = clock.now
        guard let fd = try? Syscall.tcpConnect(to: address, port: port, timeoutMilliseconds: timeoutMilliseconds) else {
            return nil
        }
        Syscall.close(fd)
        let elapsed = clock.now - start
        return Int(elapsed.inMilliseconds)
    }

    /// Runs the three steps against `address:port`; each step has its own connection and `timeoutMilliseconds`.
    public static func tls(address: ProbeAddress, port: UInt16, serverName: String?, timeoutMilliseconds: Int)
        -> TLSSignature
    {
        var signature = TLSSignature(
            port: Int(port), connectMs: nil, plainHTTPStatus: nil, plainHTTPBytes: 0, handshake: .unreachable,
            certificateBytes: nil, bytesReceived: 0, handshakeMs: nil, conclusion: "")
        // 1. TCP connect.
        let clock = ContinuousClock()
        let start = clock.now
        guard let probe = try? Syscall.tcpConnect(to: address, port: port, timeoutMilliseconds: timeoutMilliseconds)
        else {
            signature.conclusion = "TCP does not connect to port \(port): not an MTU symptom (small packets fail too)"
            return signature
        }
        signature.connectMs = Int((clock.now - start).inMilliseconds)
        Syscall.close(probe)
        // 2. Plain HTTP to the TLS port: a small request, usually a small error answer.
        (signature.plainHTTPStatus, signature.plainHTTPBytes) = plainHTTP(
            address: address, port: port, host: serverName ?? address.description,
            timeoutMilliseconds: timeoutMilliseconds)
        // 3. The TLS handshake's first flight.
        guard let fd = try? Syscall.tcpConnect(to: address, port: port, timeoutMilliseconds: timeoutMilliseconds) else {
            signature.handshake = .unreachable
            signature.conclusion = "TCP connected once, then not again"
            return signature
        }
        defer { Syscall.close(fd) }
        let handshakeStart = clock.now
        let (reader, closed) = firstFlight(fd, serverName: serverName, timeoutMilliseconds: timeoutMilliseconds)
        signature.bytesReceived = reader.bytesReceived
        signature.certificateBytes = reader.certificateBytes ?? reader.certificateAnnounced
        if reader.complete { signature.handshakeMs = Int((clock.now - handshakeStart).inMilliseconds) }
        conclude(&signature, reader: reader, closed: closed, timeoutMilliseconds: timeoutMilliseconds)
        return signature
    }

    /// A plain HTTP GET to the TLS port: the status of the answer (when it is HTTP) and its size.
    static func plainHTTP(address: ProbeAddress, port: UInt16, host: String, timeoutMilliseconds: Int)
        -> (status: Int?, bytes: Int)
    {
        guard let fd = try? Syscall.tcpConnect(to: address, port: port, timeoutMilliseconds: timeoutMilliseconds)
        else { return (nil, 0) }
        defer { Syscall.close(fd) }
        try? Syscall.sendAll(fd, Array("GET / HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n\r\n".utf8))
        var answer: [UInt8] = []
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(timeoutMilliseconds)
        while clock.now < deadline, answer.count < 65536, let chunk = try? Syscall.receive(fd, until: deadline),
            !chunk.isEmpty
        {
            answer += chunk
        }
        let head = String(decoding: answer.prefix(64), as: UTF8.self)
        let status =
            head.hasPrefix("HTTP/") ? head.split(separator: " ").dropFirst().first.flatMap { Int($0) } : nil
        return (status, answer.count)
    }

    /// Sends a ClientHello and reads the server's first flight until it is complete, an alert or non-TLS bytes
    /// arrive, the server closes, or the timeout passes.
    static func firstFlight(_ fd: Int32, serverName: String?, timeoutMilliseconds: Int)
        -> (reader: TLSWire.FlightReader, closed: Bool)
    {
        let random = (0..<32).map { _ in UInt8.random(in: 0...255) }
        var reader = TLSWire.FlightReader()
        let clock = ContinuousClock()
        do {
            try Syscall.sendAll(fd, TLSWire.clientHello(serverName: serverName, random: random))
            let deadline = clock.now + .milliseconds(timeoutMilliseconds)
            while clock.now < deadline, !reader.complete, reader.alert == nil, !reader.notTLS {
                guard let chunk = try Syscall.receive(fd, until: deadline) else { return (reader, true) }
                reader.consume(chunk)
            }
        } catch {
            return (reader, true)
        }
        return (reader, false)
    }

    /// The handshake's outcome and the sentence that explains it: whole, failed (an alert, not TLS, closed — not an
    /// MTU symptom), or stalled with small packets passing (the MTU signature).
    static func conclude(
        _ signature: inout TLSSignature, reader: TLSWire.FlightReader, closed: Bool, timeoutMilliseconds: Int
    ) {
        if reader.complete {
            signature.handshake = .ok
            signature.conclusion =
                "the server's first flight (\(reader.bytesReceived) bytes, certificate chain \(reader.certificateBytes ?? 0) bytes) arrived whole"
        } else if reader.alert != nil || reader.notTLS || closed {
            signature.handshake = .failed
            signature.conclusion =
                reader.alert.map {
                    "the server answered with TLS alert \($0.description): a TLS problem, not an MTU one"
                }
                ?? (reader.notTLS
                    ? "the port does not speak TLS" : "the server closed the connection: not an MTU symptom")
        } else {
            signature.handshake = .stalled
            var text = "TCP connects (\(signature.connectMs ?? 0) ms)"
            if let status = signature.plainHTTPStatus {
                text += ", plain HTTP gets a small \(status) (\(signature.plainHTTPBytes) bytes)"
            }
            text +=
                ", but the TLS handshake stalls: \(reader.bytesReceived) bytes of the server's first flight arrived in \(timeoutMilliseconds) ms"
            if let announced = reader.certificateAnnounced {
                text += " (certificate chain announced: \(announced) bytes)"
            }
            text += " — small packets pass, the full-size ones carrying the certificate do not"
            signature.conclusion = text
        }
    }
}
#endif
