#if os(Linux)
import MTUModel
import Glibc
import MTUSystem

/// TCP streams for the responder: non-blocking accept, receive and send that tell "would block" from an error; name
/// resolution. Part of the one syscall layer: errno is read straight away and EINTR retried, as in
/// `Syscall.retrying`.
extension Syscall {
    /// A dual-stack TCP listener on [::]:port (IPv4 clients arrive IPv4-mapped), non-blocking; the port bound (the
    /// kernel's choice for 0).
    package static func listenTCP(port: UInt16, backlog: Int32 = 128) throws(Failure) -> (fd: Int32, port: UInt16) {
        let fd = try dualStackSocket(type: Int32(SOCK_STREAM.rawValue), port: port)
        do throws(Failure) {
            _ = try retrying("listen") { Glibc.listen(fd, backlog) }
            var bound = sockaddr_in6()
            var length = socklen_t(MemoryLayout<sockaddr_in6>.size)
            _ = try retrying("getsockname") {
                withUnsafeMutablePointer(to: &bound) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.getsockname(fd, $0, &length) }
                }
            }
            setNonBlocking(fd)
            return (fd, UInt16(bigEndian: bound.sin6_port))
        } catch {
            close(fd)
            throw error
        }
    }

    /// A waiting connection, non-blocking, with the peer's address (IPv4-mapped given as IPv4); nil when none is
    /// waiting. Errors keep their errno (EMFILE, ENFILE, ENOBUFS, ENOMEM: out of resources).
    package static func accept(_ listener: Int32) throws(Failure) -> (fd: Int32, peer: ProbeAddress)? {
        var address = sockaddr_in6()
        var length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        while true {
            let fd = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.accept(listener, $0, &length) }
            }
            if fd >= 0 {
                setNonBlocking(fd)
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                return (fd, ProbeAddress.v6(withUnsafeBytes(of: address.sin6_addr) { Array($0) }).unmapped)
            }
            let code = Glibc.errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK || code == ECONNABORTED { return nil }
            throw Failure(call: "accept", errno: code)
        }
    }

    /// What is there to read now: a count > 0, 0 when the peer closed, nil when nothing is waiting.
    package static func receiveAvailable(_ fd: Int32, into buffer: inout [UInt8]) throws(Failure) -> Int? {
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if count >= 0 { return count }
            let code = Glibc.errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK { return nil }
            throw Failure(call: "recv", errno: code)
        }
    }

    /// Sends what the socket takes now, without blocking or SIGPIPE; the count sent (short when the buffer is full or
    /// the peer is gone: the caller keeps the rest, or gives up at its deadline).
    package static func sendAvailable(_ fd: Int32, _ bytes: ArraySlice<UInt8>) -> Int {
        var sent = 0
        while sent < bytes.count {
            let count = bytes.dropFirst(sent).withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
            }
            if count > 0 {
                sent += count
            } else if count < 0 && Glibc.errno == EINTR {
                continue
            } else {
                break
            }
        }
        return sent
    }

    @discardableResult
    /// The kernel's `struct tcp_info` for a TCP socket, as bytes (callers read the fields they need at their offsets,
    /// include/uapi/linux/tcp.h), or nil.
    package static func tcpInfo(_ fd: Int32) -> [UInt8]? {
        var info = [UInt8](repeating: 0, count: 256)
        var length = socklen_t(info.count)
        let result = info.withUnsafeMutableBytes {
            Glibc.getsockopt(fd, Int32(IPPROTO_TCP), TCP_INFO, $0.baseAddress, &length)
        }
        return result == 0 ? Array(info.prefix(Int(length))) : nil
    }

    /// Closes with a reset (SO_LINGER 0): the kernel frees the socket and anything unsent at once.
    package static func closeWithReset(_ fd: Int32) {
        var option = linger(l_onoff: 1, l_linger: 0)
        _ = Glibc.setsockopt(fd, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
        _ = Glibc.close(fd)
    }

    /// recvmsg(2) without waiting, retried on EINTR; the byte count, or nil with nothing to read (or an error).
    static func receiveMessage(_ fd: Int32, _ message: inout msghdr, flags: Int32) -> Int? {
        let count: Int? = try? retrying("recvmsg") { Glibc.recvmsg(fd, &message, flags | Int32(MSG_DONTWAIT)) }
        return count
    }

    /// Why a name did not resolve, in the resolver's words (gai_strerror).
    package struct NameFailure: Error, CustomStringConvertible {
        package var description: String
    }

    /// Every IPv4 and IPv6 address of a name or literal (getaddrinfo), in the resolver's order, without repeats.
    package static func resolve(_ name: String) throws(NameFailure) -> [ProbeAddress] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(name, nil, &hints, &result)
        guard status == 0 else { throw NameFailure(description: String(cString: gai_strerror(status))) }
        defer { freeaddrinfo(result) }
        var addresses: [ProbeAddress] = []
        var cursor = result
        while let entry = cursor {
            cursor = entry.pointee.ai_next
            guard let socketAddress = entry.pointee.ai_addr else { continue }
            let address: ProbeAddress
            switch entry.pointee.ai_family {
            case AF_INET:
                address = socketAddress.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                    .v4(UInt32(bigEndian: $0.pointee.sin_addr.s_addr))
                }
            case AF_INET6:
                address = socketAddress.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                    .v6(withUnsafeBytes(of: $0.pointee.sin6_addr) { Array($0) })
                }
            default: continue
            }
            if !addresses.contains(address) { addresses.append(address) }
        }
        return addresses
    }

    /// ``resolve(_:)`` as text; empty when the name does not resolve.
    package static func addresses(of name: String) -> [String] {
        ((try? resolve(name)) ?? []).map(\.description)
    }
}
#endif
