#if os(Linux)
import CLinux
import Glibc
import MTUCore
import MTUSystem

/// The socket calls, on the layer MTUSystem starts (`Failure`, EINTR retried, descriptors and `poll`); nothing else
/// in MTUProbe calls libc for sockets.
extension Syscall {
    static func socket(family: Int32, type: Int32, protocol proto: Int32) throws(Failure) -> Int32 {
        try retrying("socket") { Glibc.socket(family, type | Int32(SOCK_CLOEXEC.rawValue), proto) }
    }

    static func setOption(_ fd: Int32, level: Int32, name: Int32, value: Int32) throws(Failure) {
        var value = value
        _ = try retrying("setsockopt(\(name))") {
            Glibc.setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<Int32>.size))
        }
    }

    static func getOption(_ fd: Int32, level: Int32, name: Int32) throws(Failure) -> Int32 {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        _ = try retrying("getsockopt(\(name))") { Glibc.getsockopt(fd, level, name, &value, &length) }
        return value
    }

    /// A wave of jumbo packets arrives faster than it is read: make room (the FORCE options work for root).
    static func enlargeBuffers(_ fd: Int32) {
        for (force, plain) in [(SO_RCVBUFFORCE, SO_RCVBUF), (SO_SNDBUFFORCE, SO_SNDBUF)] {
            if (try? setOption(fd, level: SOL_SOCKET, name: force, value: 8 << 20)) == nil {
                try? setOption(fd, level: SOL_SOCKET, name: plain, value: 8 << 20)
            }
        }
    }

    /// Builds a `sockaddr_in` for an IPv4 address given as a host-order UInt32.
    static func sockaddrIPv4(_ address: UInt32, port: UInt16 = 0) -> sockaddr_in {
        var sa = sockaddr_in()
        sa.sin_family = sa_family_t(AF_INET)
        sa.sin_port = port.bigEndian
        sa.sin_addr = in_addr(s_addr: address.bigEndian)
        return sa
    }

    static func connect(_ fd: Int32, ipv4 address: UInt32, port: UInt16 = 0) throws(Failure) {
        var sa = sockaddrIPv4(address, port: port)
        _ = try retrying("connect") {
            withUnsafePointer(to: &sa) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
    }

    static func bind(_ fd: Int32, ipv4 address: UInt32, port: UInt16) throws(Failure) {
        var sa = sockaddrIPv4(address, port: port)
        _ = try retrying("bind") {
            withUnsafePointer(to: &sa) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
    }

    /// Waits up to `milliseconds` for `fd` to be readable.
    static func waitReadable(_ fd: Int32, milliseconds: Int32) throws(Failure) -> Bool {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = try retrying("poll") { Glibc.poll(&descriptor, 1, milliseconds) }
        return ready > 0
    }
}
#endif

#if os(Linux)
import CLinux
import Glibc

extension Syscall {
    /// A TCP connection with a deadline; `maxSegment` sets TCP_MAXSEG before connecting (the MSS we advertise).
    static func tcpConnect(ipv4 address: UInt32, port: UInt16, timeoutMilliseconds: Int, maxSegment: Int? = nil)
        throws(Failure) -> Int32
    {
        try tcpConnect(to: .v4(address), port: port, timeoutMilliseconds: timeoutMilliseconds, maxSegment: maxSegment)
    }

    /// A TCP connection with a deadline; `maxSegment` sets TCP_MAXSEG before connecting (the MSS we advertise).
    package static func tcpConnect(
        to address: ProbeAddress, port: UInt16, timeoutMilliseconds: Int, maxSegment: Int? = nil
    )
        throws(Failure) -> Int32
    {
        let fd = try socket(family: address.family, type: Int32(SOCK_STREAM.rawValue), protocol: 0)
        do throws(Failure) {
            if let maxSegment {
                try setOption(fd, level: Int32(IPPROTO_TCP), name: TCP_MAXSEG, value: Int32(maxSegment))
            }
            let flags = fcntl(fd, F_GETFL)
            _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
            let result = address.withSockaddr(port: port) { Glibc.connect(fd, $0, $1) }
            if result != 0 {
                let code = Glibc.errno
                guard code == EINPROGRESS else { throw Failure(call: "connect", errno: code) }
                var descriptor = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                let ready = try retrying("poll") { Glibc.poll(&descriptor, 1, Int32(timeoutMilliseconds)) }
                guard ready > 0 else { throw Failure(call: "connect", errno: ETIMEDOUT) }
                let error = try getOption(fd, level: SOL_SOCKET, name: SO_ERROR)
                guard error == 0 else { throw Failure(call: "connect", errno: error) }
            }
            _ = fcntl(fd, F_SETFL, flags)
            return fd
        } catch {
            close(fd)
            throw error
        }
    }

    package static func sendAll(_ fd: Int32, _ bytes: [UInt8]) throws(Failure) {
        var offset = 0
        while offset < bytes.count {
            let sent = try retrying("send") {
                bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            }
            offset += sent
        }
    }

    /// Reads what is available before `deadline`; nil at end of stream, [] on timeout.
    package static func receive(_ fd: Int32, until deadline: ContinuousClock.Instant) throws(Failure) -> [UInt8]? {
        let clock = ContinuousClock()
        let remaining = deadline - clock.now
        let milliseconds = max(0, Int32(clamping: remaining.inMilliseconds))
        guard try waitReadable(fd, milliseconds: milliseconds) else { return [] }
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = try retrying("recv") {
            buffer.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, 0) }
        }
        return count == 0 ? nil : Array(buffer[0..<count])
    }
}
#endif

/// The process's own capabilities. The image gives its binary CAP_NET_RAW as a *permitted-only* file capability
/// (`setcap cap_net_raw=p`): Kubernetes adds a container's `capabilities.add` to the bounding and permitted sets but,
/// for a non-root user, execve clears them (no ambient capabilities: kubernetes/kubernetes#56374, containerd#5668 not
/// merged), so only a file capability survives. Permitted-only, never `+ep`: a file whose effective bit is set fails
/// to execute at all (EPERM) where the bounding set lacks the capability — a Pod Security "restricted" namespace —
/// and then even `calc` would not run. The program raises it into its effective set itself, when it is there.
public enum ProcessCapabilities {
    /// CAP_NET_RAW (include/uapi/linux/capability.h).
    static let netRaw: Int32 = 13

    /// Raises CAP_NET_RAW from permitted to effective; true when it is effective afterwards.
    @discardableResult
    public static func raiseNetRaw() -> Bool {
        mtud_raise_permitted_capability(netRaw) == 1
    }
}
