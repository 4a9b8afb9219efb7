import Foundation
import MTUTestSupport
import Testing

@testable import MTUCapture

/// Packet builders: just enough headers, in network byte order.
enum Build {
    static func ethernet(_ payload: [UInt8], etherType: Int = 0x0800, vlans: [Int] = []) -> [UInt8] {
        var bytes = [UInt8](repeating: 0x02, count: 12)
        for vlan in vlans { bytes += [0x81, 0x00, UInt8(vlan >> 8), UInt8(vlan & 0xff)] }
        return bytes + [UInt8(etherType >> 8), UInt8(etherType & 0xff)] + payload
    }

    static func ipv4(
        _ payload: [UInt8], protocolNumber: UInt8, df: Bool = true, source: [UInt8] = [10, 0, 0, 1],
        destination: [UInt8] = [10, 0, 0, 2], totalLength: Int? = nil
    ) -> [UInt8] {
        let total = totalLength ?? 20 + payload.count
        return [0x45, 0, UInt8(total >> 8), UInt8(total & 0xff), 0, 1, df ? 0x40 : 0, 0, 64, protocolNumber, 0, 0]
            + source + destination + payload
    }

    static func udp(_ payload: [UInt8], source: Int = 40000, destination: Int) -> [UInt8] {
        let length = 8 + payload.count
        return [
            UInt8(source >> 8), UInt8(source & 0xff), UInt8(destination >> 8), UInt8(destination & 0xff),
            UInt8(length >> 8), UInt8(length & 0xff), 0, 0,
        ] + payload
    }

    static func tcp(payload: Int, flags: UInt8 = 0x18, mss: Int? = nil, timestamps: Bool = false) -> [UInt8] {
        var options: [UInt8] = []
        if let mss { options += [2, 4, UInt8(mss >> 8), UInt8(mss & 0xff)] }
        if timestamps { options += [1, 1, 8, 10] + [UInt8](repeating: 0, count: 8) }
        let headerLength = 20 + options.count
        return [
            0x01, 0xbb, 0x9c, 0x40, 0, 0, 0, 1, 0, 0, 0, 0, UInt8(headerLength / 4) << 4, flags, 0xff, 0xff, 0, 0, 0, 0,
        ] + options
            + [UInt8](repeating: 0x16, count: payload)
    }

    static func packet(_ bytes: [UInt8], linkType: Int = 1) -> CapturedPacket {
        CapturedPacket(frame: 1, timestamp: 0, linkType: linkType, range: 0..<bytes.count, originalLength: bytes.count)
    }
}

@Suite("Dissection")
struct DissectorTests {
    @Test func ethernetVLANIPv4TCPWithOptions() throws {
        let bytes = Build.ethernet(
            Build.ipv4(Build.tcp(payload: 0, flags: 0x02, mss: 1460, timestamps: true), protocolNumber: 6), vlans: [110]
        )
        let result = Dissector.dissect(bytes, Build.packet(bytes))
        #expect(result.vlanTags == 1)
        let ip = try #require(result.ip)
        #expect(ip.dontFragment && ip.version == 4 && ip.ttl == 64)
        guard case .tcp(let tcp)? = result.transport else {
            Issue.record("no TCP")
            return
        }
        #expect(tcp.syn && tcp.mss == 1460 && tcp.timestamps)
        #expect(tcp.destinationPort == 40000)
    }

    @Test func vxlanIsDecapsulatedWithOuterSizesKept() throws {
        let inner = Build.ethernet(Build.ipv4(Build.tcp(payload: 1448, timestamps: true), protocolNumber: 6))
        let vxlan: [UInt8] = [0x08, 0, 0, 0, 0, 0, 42, 0] + inner
        let outer = Build.ethernet(Build.ipv4(Build.udp(vxlan, destination: 4789), protocolNumber: 17))
        let result = Dissector.dissect(outer, Build.packet(outer))
        #expect(result.tunnelCount == 1)
        #expect(result.outerTunnel?.kind == .vxlan)
        #expect(result.outerTunnel?.outer.totalLength == 1550, "1500-byte inner packet + 50")
        #expect(result.outerTunnel?.outer.dontFragment == true)
        #expect(result.ip?.totalLength == 1500)
        guard case .tcp(let tcp)? = result.transport else {
            Issue.record("no inner TCP")
            return
        }
        #expect(tcp.payloadLength == 1448)
    }

    @Test func geneveWithOptionsCarryingEthernet() throws {
        let inner = Build.ethernet(Build.ipv4(Build.tcp(payload: 100), protocolNumber: 6))
        let geneve: [UInt8] = [0x02, 0, 0x65, 0x58, 0, 0, 1, 0] + [UInt8](repeating: 0xee, count: 8) + inner
        let outer = Build.ethernet(Build.ipv4(Build.udp(geneve, destination: 6081), protocolNumber: 17))
        let result = Dissector.dissect(outer, Build.packet(outer))
        #expect(result.outerTunnel?.kind == .geneve)
        #expect(result.outerTunnel?.geneveOptionBytes == 8)
        #expect(result.ip?.totalLength == 140, "inner IPv4 20 + TCP 20 + 100")
    }

    @Test func fragmentationNeededQuotesTheFlow() throws {
        let quoted = Build.ipv4(
            Array(Build.tcp(payload: 0).prefix(8)), protocolNumber: 6, source: [10, 10, 10, 10],
            destination: [10, 10, 20, 20], totalLength: 1664)
        let icmp: [UInt8] = [3, 4, 0, 0, 0, 0, 0x05, 0xdc] + quoted
        let bytes = Build.ethernet(
            Build.ipv4(icmp, protocolNumber: 1, source: [172, 20, 20, 2], destination: [10, 10, 10, 10]))
        let result = Dissector.dissect(bytes, Build.packet(bytes))
        guard case .icmp(let info)? = result.transport else {
            Issue.record("no ICMP")
            return
        }
        #expect(info.isTooBig && info.mtu == 1500)
        #expect(info.quoted?.totalLength == 1664)
        #expect(info.quotedSourcePort == 443)
        #expect(result.ip?.sourceLow == 0xac14_1402)
    }

    @Test func ipv6FragmentHeaderAndPacketTooBig() throws {
        var ipv6: [UInt8] = [0x60, 0, 0, 0, 0, 16, 44, 64] + [UInt8](repeating: 0xfd, count: 32)
        ipv6 += [58, 0, 0x00, 0x09, 0, 0, 0, 1]  // fragment header: next ICMPv6, offset 8, more fragments
        ipv6 += [2, 0, 0, 0, 0, 0, 0x05, 0x00]  // packet too big, MTU 1280 (not parsed: a fragment)
        let result = Dissector.dissect(
            Build.ethernet(ipv6, etherType: 0x86dd), Build.packet(Build.ethernet(ipv6, etherType: 0x86dd)))
        #expect(result.ip?.version == 6)
        #expect(result.ip?.isFragment == true)
        #expect(result.ip?.protocolNumber == 58)
    }

    @Test func everyTruncationIsSafe() {
        let inner = Build.ethernet(Build.ipv4(Build.tcp(payload: 40, mss: 1400), protocolNumber: 6))
        let outer = Build.ethernet(
            Build.ipv4(Build.udp([0x08, 0, 0, 0, 0, 0, 1, 0] + inner, destination: 4789), protocolNumber: 17),
            vlans: [1, 2])
        // Ethernet + two VLAN tags + IPv4 = 42 bytes to the outer IP; + UDP + VXLAN = 58 to the inner frame.
        let outerIP = 14 + 8 + 20
        let innerFrame = outerIP + 8 + 8
        var deepest = 0
        for length in 0...outer.count {
            let cut = Array(outer.prefix(length))
            let result = Dissector.dissect(cut, Build.packet(cut))
            // Nothing is claimed that the bytes did not hold, and a packet not read to IP says why.
            if result.ip != nil { #expect(length >= outerIP, "IP claimed from \(length) bytes") }
            if result.tunnelCount > 0 { #expect(length >= innerFrame, "a tunnel claimed from \(length) bytes") }
            if result.ip == nil { #expect(result.problem != nil, "no IP and no reason at \(length) bytes") }
            // More bytes never decode less deeply.
            let depth = (result.ip == nil ? 0 : 1) + result.tunnelCount + (result.transport == nil ? 0 : 1)
            #expect(depth >= deepest || length == outer.count, "\(length) bytes decode less than fewer did")
            deepest = max(deepest, depth)
            for linkType in [0, 12, 101, 108, 113, 228, 229, 276] {
                _ = Dissector.dissect(cut, Build.packet(cut, linkType: linkType))
            }
        }
        let whole = Dissector.dissect(outer, Build.packet(outer))
        #expect(whole.tunnelCount == 1 && whole.vlanTags == 2)
        guard case .tcp(let tcp)? = whole.transport else {
            Issue.record("the inner TCP segment was not read: \(whole)")
            return
        }
        #expect(tcp.mss == 1400)
    }

    /// Every packet of tcpdump's regression captures, the malformed ones included: no crash; tunnels found where
    /// the files carry them.
    @Test(.enabled(if: CorpusTests.runs, CorpusTests.missing))
    func dissectsTheWholeCorpus() throws {
        try #require(!CorpusTests.files.isEmpty, "\(CorpusTests.missing)")
        var tunnels = 0
        var packets = 0
        for file in CorpusTests.files {
            guard let data = FileManager.default.contents(atPath: "\(CorpusTests.directory)/\(file)"),
                var reader = try? CaptureReader(bytes: [UInt8](data))
            else { continue }
            while let packet = reader.next() {
                let result = Dissector.dissect(reader.bytes, packet)
                packets += 1
                if result.tunnelCount > 0, file.contains("vxlan") || file.contains("geneve") { tunnels += 1 }
            }
        }
        #expect(packets > 10000)
        #expect(tunnels > 0, "VXLAN/Geneve files must show tunnels")
    }
}
