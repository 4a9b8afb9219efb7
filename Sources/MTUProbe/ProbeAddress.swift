#if os(Linux)
import Glibc
import MTUCore
import MTUSystem

/// An address to probe is the model's one address type (MTUModel's `IPAddress`: parsed and printed as inet_pton and
/// inet_ntop do, a test holds it to them); this extension turns it into socket addresses.
public typealias ProbeAddress = IPAddress

extension IPAddress {
    var family: Int32 { isIPv6 ? AF_INET6 : AF_INET }

    /// Calls `body` with this address as a `sockaddr` of the right length.
    func withSockaddr<T>(port: UInt16, _ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        switch version {
        case .ipv4:
            var sa = Syscall.sockaddrIPv4(ipv4Value, port: port)
            return withUnsafePointer(to: &sa) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    body($0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        case .ipv6:
            let bytes = self.bytes
            var sa = sockaddr_in6()
            sa.sin6_family = sa_family_t(AF_INET6)
            sa.sin6_port = port.bigEndian
            withUnsafeMutableBytes(of: &sa.sin6_addr) { $0.copyBytes(from: bytes.prefix(16)) }
            return withUnsafePointer(to: &sa) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    body($0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        }
    }
}

extension Syscall {
    static func send(_ fd: Int32, _ bytes: [UInt8], to address: ProbeAddress, port: UInt16 = 0, blocking: Bool = false)
        throws(Failure)
    {
        _ = try retrying("sendto") {
            bytes.withUnsafeBytes { buffer in
                address.withSockaddr(port: port) {
                    Glibc.sendto(fd, buffer.baseAddress, buffer.count, blocking ? 0 : Int32(MSG_DONTWAIT), $0, $1)
                }
            }
        }
    }

    /// Reads one datagram without blocking, with its sender (either family); nil when nothing is waiting.
    static func receiveAny(_ fd: Int32, into buffer: inout [UInt8]) throws(Failure) -> (count: Int, from: ProbeAddress)?
    {
        try receiveWithPort(fd, into: &buffer).map { ($0.count, $0.from) }
    }

    /// Like ``receiveAny(_:into:)``, with the sender's port.
    static func receiveWithPort(_ fd: Int32, into buffer: inout [UInt8]) throws(Failure) -> (
        count: Int, from: ProbeAddress, port: UInt16
    )? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let count = buffer.withUnsafeMutableBytes { raw in
            withUnsafeMutablePointer(to: &storage) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.recvfrom(fd, raw.baseAddress, raw.count, Int32(MSG_DONTWAIT), $0, &length)
                }
            }
        }
        if count < 0 {
            let code = Glibc.errno
            if code == EAGAIN || code == EWOULDBLOCK || code == EINTR { return nil }
            throw Failure(call: "recvfrom", errno: code)
        }
        let family = Int32(storage.ss_family)
        let (from, port): (ProbeAddress, UInt16) = withUnsafePointer(to: &storage) { pointer in
            if family == AF_INET6 {
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { v6 in
                    (
                        .v6(withUnsafeBytes(of: v6.pointee.sin6_addr) { Array($0) }),
                        UInt16(bigEndian: v6.pointee.sin6_port)
                    )
                }
            }
            return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                (.v4(UInt32(bigEndian: $0.pointee.sin_addr.s_addr)), UInt16(bigEndian: $0.pointee.sin_port))
            }
        }
        return (count, from, port)
    }

    /// A dual-stack socket bound to [::]:port (IPv4 arrives as IPv4-mapped addresses).
    static func dualStackSocket(type: Int32, port: UInt16) throws(Failure) -> Int32 {
        let fd = try socket(family: AF_INET6, type: type, protocol: 0)
        do throws(Failure) {
            try setOption(fd, level: SOL_SOCKET, name: SO_REUSEADDR, value: 1)
            try setOption(fd, level: Int32(IPPROTO_IPV6), name: IPV6_V6ONLY, value: 0)
            let any = ProbeAddress.v6([UInt8](repeating: 0, count: 16))
            _ = try retrying("bind") { any.withSockaddr(port: port) { Glibc.bind(fd, $0, $1) } }
            return fd
        } catch {
            close(fd)
            throw error
        }
    }

    /// The route MTU toward `address` (IP_MTU / IPV6_MTU on a connected UDP socket).
    static func routeMTU(to address: ProbeAddress) -> Int? {
        guard let fd = try? socket(family: address.family, type: Int32(SOCK_DGRAM.rawValue), protocol: 0) else {
            return nil
        }
        defer { close(fd) }
        let connected = address.withSockaddr(port: 9) { Glibc.connect(fd, $0, $1) } == 0
        guard connected else { return nil }
        switch address.version {
        case .ipv4: return (try? getOption(fd, level: Int32(IPPROTO_IP), name: IP_MTU)).map(Int.init)
        case .ipv6: return (try? getOption(fd, level: Int32(IPPROTO_IPV6), name: IPV6_MTU)).map(Int.init)
        }
    }
}
#endif
