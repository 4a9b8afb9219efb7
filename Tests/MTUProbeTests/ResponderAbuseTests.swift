import Foundation
import Glibc
import MTUModel
import MTUTestSupport
import Testing

@testable import MTUProbe

/// `serve` under abuse, on loopback only (issue 17): no reply larger than its request without the token on any
/// transport, fair TCP slots per source, a rate-limit table that forgets only idle sources.
@Suite("serve under abuse (loopback)", .serialized)
struct ResponderAbuseTests {
    struct Server {
        let process: Process
        let udp: UInt16
        let tcp: UInt16
        func stop() { process.stop() }
    }

    func startServe(token: String?) throws -> Server {
        let udp = UInt16.random(in: 40000...49999)
        let tcp = UInt16.random(in: 50000...59999)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestSupport.binary)
        process.arguments =
            ["serve", "--port", "\(udp)", "--tcp-port", "\(tcp)", "--duration", "30"]
            + (token.map { ["--token", $0] } ?? [])
        process.standardError = FileHandle.nullDevice
        try process.run()
        for _ in 0..<100 {
            if let fd = try? connect(tcp, from: "127.0.0.1") {
                close(fd)
                break
            }
            usleep(50_000)
        }
        return Server(process: process, udp: udp, tcp: tcp)
    }

    func connect(_ port: UInt16, from source: String) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var local = sockaddr_in()
        var remote = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        inet_pton(AF_INET, source, &local.sin_addr)
        remote.sin_family = sa_family_t(AF_INET)
        remote.sin_port = port.bigEndian
        inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr)
        let bound = withUnsafePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        let connected = withUnsafePointer(to: &remote) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, connected == 0 else {
            close(fd)
            throw POSIXError(.ECONNREFUSED)
        }
        var timeout = timeval(tv_sec: 4, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    /// Sends `request`, closes the sending side, and counts what comes back until the server closes.
    func exchange(_ port: UInt16, _ request: [UInt8], from source: String = "127.0.0.1") throws -> Int {
        let fd = try connect(port, from: source)
        defer { close(fd) }
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        shutdown(fd, Int32(SHUT_WR))
        var total = 0
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            total += count
        }
        return total
    }

    @Test func tcpRepliesAreNoLargerThanRequestsWithoutTheToken() throws {
        let server = try startServe(token: "s3cret")
        defer { server.stop() }
        let small = Array("MTUD SEND 65536\n".utf8)
        let got = try exchange(server.tcp, small)
        #expect(got <= small.count, "a \(small.count)-byte request got \(got) bytes back")
        let paid = small + [UInt8](repeating: 0x20, count: 4096 - small.count)
        #expect(try exchange(server.tcp, paid) == 4096, "ratio 1: a padded request gets its size")
        #expect(
            try exchange(server.tcp, Array("MTUD SEND 65536 s3cret\n".utf8)) == 65536, "with the token, the full reply")
        #expect(try exchange(server.tcp, Array("MTUD SEND 65536 s3creT\n".utf8)) <= 24, "a wrong token is no token")
    }

    /// Before: three sources holding idle connections filled the 1,024 slots and locked everyone out. Now a full
    /// table evicts the biggest holder's oldest idle connection for a newcomer (here with 16 slots).
    @Test func sourcesHoldingIdleSlotsCannotLockOthersOut() throws {
        var configuration = Responder.Configuration()
        configuration.port = UInt16.random(in: 40000...49999)
        configuration.tcpPort = UInt16.random(in: 50000...59999)
        configuration.maxClients = 16
        configuration.maxClientsPerSource = 12
        nonisolated(unsafe) let responder = try Responder(configuration)
        final class Flag: @unchecked Sendable { var stop = false }
        let flag = Flag()
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            try? responder.run(until: { flag.stop })
            done.signal()
        }
        defer {
            flag.stop = true
            done.wait()
        }
        usleep(100_000)
        var held: [Int32] = []
        defer { for fd in held { close(fd) } }
        for source in ["127.0.0.3", "127.0.0.4"] {
            for _ in 0..<8 { held.append(try connect(configuration.tcpPort!, from: source)) }
        }
        // One source alone stops at its own cap.
        for _ in 0..<6 { held.append(try connect(configuration.tcpPort!, from: "127.0.0.5")) }
        usleep(300_000)
        let paid = Array("MTUD SEND 2048\n".utf8) + [UInt8](repeating: 0x20, count: 2048 - 15)
        #expect(
            try exchange(configuration.tcpPort!, paid, from: "127.0.0.2") == 2048,
            "a newcomer is served on a full table")
    }

    @Test func udpStatusRepliesAreNoLargerThanRequests() throws {
        let server = try startServe(token: nil)
        defer { server.stop() }
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var remote = sockaddr_in()
        remote.sin_family = sa_family_t(AF_INET)
        remote.sin_port = server.udp.bigEndian
        inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr)
        for padTo in [0, 36] {
            let request = ReverseWire.request(size: 64, nonce: 7, token: [], status: true, padTo: padTo)
            _ = withUnsafePointer(to: &remote) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                    request.withUnsafeBytes {
                        sendto(fd, $0.baseAddress, $0.count, 0, address, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                }
            }
            var buffer = [UInt8](repeating: 0, count: 2048)
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            #expect(count <= request.count, "status reply \(count) B for a \(request.count)-byte request")
            if padTo > 0 { #expect(count > 0, "a padded status request is answered") }
        }
    }

    /// Before: the table was cleared past 10,000 sources, so a burst from many sources reset every limit.
    @Test func aBurstFromManySourcesDoesNotResetALimitedSource() throws {
        var configuration = Responder.Configuration()
        configuration.port = UInt16.random(in: 40000...49999)
        configuration.ratePerSecond = 10
        let responder = try Responder(configuration)
        let now = ContinuousClock.now
        let victim = ProbeAddress.v4(0x0a00_0001)
        while responder.admit(victim, now: now) {}
        for index in 0..<(Responder.maxTrackedSources + 500) {
            _ = responder.admit(.v4(0x0b00_0000 + UInt32(index)), now: now)
        }
        #expect(!responder.admit(victim, now: now), "still limited")
        #expect(responder.buckets.count <= Responder.maxTrackedSources)
        // Idle sources are forgotten once their bucket has refilled: new ones get in again.
        #expect(responder.admit(.v4(0x0c00_0001), now: now + .seconds(3)))
    }
}
