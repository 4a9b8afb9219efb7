import Testing

@testable import MTUCore

private func calc(
    _ mtu: String, _ encap: String, underlay: IPVersion = .ipv4, inner: IPVersion = .ipv4,
    packet: SizeQuery.Packet? = nil, tcpOptions: Int = 0
) throws -> SizeCalculation {
    try SizeCalculation(
        SizeQuery(
            linkMTUs: try LabeledMTU.parseList(mtu), stack: try EncapsulationStack.parse(encap), underlay: underlay,
            inner: inner,
            packet: packet, tcpOptions: tcpOptions))
}

@Suite("Encapsulation golden cases from the incidents")
struct IncidentGoldenCases {
    @Test(
        "inner MTU",
        arguments: [
            ("9000", "vxlan", 8950),  // Calico on jumbo hosts
            ("1500", "vxlan", 1450),  // Calico default
            ("1500", "geneve", 1450),  // NSX / Cilium Geneve without options
            ("9001", "vxlan", 8951),  // Cilium on EC2
            ("8500", "vxlan", 8450),  // behind a Transit Gateway
            ("9001,aws-tgw", "vxlan", 8450),  // the gateway limits the path
            ("1500", "none", 1500),
        ])
    func innerMTU(mtu: String, encap: String, expected: Int) throws {
        #expect(try calc(mtu, encap).innerMTU == expected)
    }

    @Test func geneveCertificateSegment() throws {
        // A 1448-byte TLS payload + 40 bytes of IP/TCP = 1488 inner; Geneve makes it 1538 on the underlay.
        let result = try calc("1500", "geneve", packet: .innerPacket(1488))
        #expect(result.outerPacket == 1538)
        #expect(result.fits == false)
        let viaPayload = try calc("1500", "geneve", packet: .tcpPayload(1448))
        #expect(viaPayload.innerPacket == 1488)
        #expect(viaPayload.outerPacket == 1538)
    }

    @Test func pingPayloadMatchesPacket() throws {
        let result = try calc("1500", "none", packet: .pingPayload(1472))
        #expect(result.innerPacket == 1500)
        #expect(result.fits == true)
        #expect(try calc("1500", "none", packet: .pingPayload(1473)).fits == false)
        #expect(result.pingPayload.underlay == 1472)
        #expect(try calc("1500", "vxlan").pingPayload.inner == 1422)
    }

    @Test("TCP MSS", arguments: [("1500", 1460), ("9000", 8960)])
    func mss(mtu: String, expected: Int) throws {
        #expect(try calc(mtu, "none").tcpMSS == expected)
    }

    @Test func timestampsReducePayloadPerSegment() throws {
        let result = try calc("1500", "none", tcpOptions: 12)
        #expect(result.tcpMSS == 1460)
        #expect(result.tcpPayloadPerSegment == 1448)
        #expect(try calc("1500", "none").notes.contains { $0.contains("add 12") })
    }

    @Test func ipv6UnderlayAddsTwenty() throws {
        #expect(try calc("1500", "vxlan", underlay: .ipv6).innerMTU == 1430)
        #expect(try calc("9000", "geneve", underlay: .ipv6).innerMTU == 8930)
        #expect(try calc("1500", "ipip", underlay: .ipv6).innerMTU == 1460)
    }

    @Test func ipv6InnerChangesMSSAndPing() throws {
        let result = try calc("1500", "vxlan", inner: .ipv6)
        #expect(result.tcpMSS == 1450 - 60)
        #expect(result.pingPayload.inner == 1450 - 48)
    }
}

@Suite("Encapsulation header sizes")
struct HeaderSizes {
    @Test(
        "inner MTU at 1500",
        arguments: [
            ("ipip", 1480), ("gre", 1476), ("gre:key", 1472), ("gre:csum+key+seq", 1464), ("gretap", 1462),
            ("wireguard", 1440), ("geneve:8", 1442), ("geneve:252", 1198),
            // ESP tunnel mode: outer IP 20 + ESP 8 + IV + align(P + 2) + ICV.
            ("ipsec-esp:aes-gcm-128", 1446), ("ipsec-esp:chacha20-poly1305", 1446), ("ipsec-esp:aes-cbc-sha1", 1438),
            ("ipsec-esp:aes-cbc-sha256", 1438), ("ipsec-esp:aes-gcm-128+nat-t", 1438),
            ("vlan", 1500), ("qinq", 1500), ("vxlan,ipsec-esp:aes-gcm-128", 1396),
        ])
    func innerAt1500(encap: String, expected: Int) throws {
        #expect(try calc("1500", encap).innerMTU == expected)
    }

    @Test func wireguardOverIPv6IsTheUsual1420() throws {
        #expect(try calc("1500", "wireguard", underlay: .ipv6).innerMTU == 1420)
    }

    @Test func wireguardPadsToSixteenButNotPastItsMTU() throws {
        // 100 bytes pad to 112: outer = 112 + 60.
        #expect(try calc("1500", "wireguard", packet: .innerPacket(100)).outerPacket == 172)
        // A full-size packet is not padded beyond the device MTU (1440), so it fits exactly.
        #expect(try calc("1500", "wireguard", packet: .innerPacket(1440)).outerPacket == 1500)
    }

    @Test func frameTagsGrowTheFrameOnly() throws {
        let result = try calc("1500", "vxlan,vlan")
        #expect(result.innerMTU == 1450)
        #expect(result.underlayFrameSize == 1518)
        #expect(try calc("1500", "qinq").underlayFrameSize == 1522)
    }

    /// For every layer and many MTUs, `largestInnerPacket` is the exact inverse of `outerPacketSize`:
    /// the largest packet fits and one byte more does not. This checks the closed forms (ESP padding,
    /// WireGuard's cap) against brute force.
    @Test(
        "largest inner packet is exact",
        arguments: [
            "vxlan", "geneve:12", "ipip", "gre:key+seq", "gretap", "wireguard", "ipsec-esp:aes-gcm-128",
            "ipsec-esp:aes-cbc-sha1",
            "ipsec-esp:aes-cbc-sha256+nat-t", "ipsec-esp:chacha20-poly1305", "vxlan,wireguard",
            "gre,ipsec-esp:aes-cbc-sha1",
        ])
    func inverse(encap: String) throws {
        let stack = try EncapsulationStack.parse(encap)
        for underlay in IPVersion.allCases {
            for mtu in stride(from: 1280, through: 9216, by: 7) {
                let inner = stack.largestInnerPacket(outer: mtu, underlay: underlay)
                #expect(
                    stack.outerPacketSize(inner: inner, underlay: underlay, linkMTU: mtu) <= mtu,
                    "\(encap) \(underlay) \(mtu)")
                // One byte more must not fit (for WireGuard the device MTU would refuse it: check without the cap).
                #expect(
                    stack.outerPacketSize(inner: inner + 1, underlay: underlay) > mtu, "\(encap) \(underlay) \(mtu)")
            }
        }
    }
}

@Suite("Parsing encapsulations and MTUs")
struct ParsingTests {
    @Test func unknownNameSuggestsClosest() {
        #expect(throws: EncapsulationParseError.self) { try EncapsulationStack.parse("vxaln") }
        do {
            _ = try EncapsulationStack.parse("genve")
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("did you mean 'geneve'"))
        }
    }

    @Test(
        "bad layers", arguments: ["geneve:7", "geneve:256", "gre:keys", "ipsec-esp:aes-ctr", "vxlan:5", "wireguard:x"])
    func badLayers(text: String) {
        #expect(throws: EncapsulationParseError.self) { try EncapsulationStack.parse(text) }
    }

    @Test func canonicalNamesRoundTrip() throws {
        for text in [
            "vxlan", "geneve:8", "ipip", "gre:csum+key+seq", "gretap:key", "wireguard", "ipsec-esp:aes-cbc-sha1+nat-t",
            "vlan", "qinq",
        ] {
            #expect(try Encapsulation.parse(text).name == text)
        }
        #expect(try EncapsulationStack.parse("none").layers.isEmpty)
        #expect(try Encapsulation.parse("geneve", geneveOptions: 16) == .geneve(optionsBytes: 16))
    }

    @Test func mtuPresetsAndRanges() throws {
        #expect(try LabeledMTU.parseList("aws-tgw").first?.mtu == 8500)
        #expect(try LabeledMTU.parseList("9001, gcp").map(\.mtu) == [9001, 1460])
        #expect(throws: MTUValueError.self) { try LabeledMTU.parseList("67") }
        #expect(throws: MTUValueError.self) { try LabeledMTU.parseList("65536") }
        #expect(throws: MTUValueError.self) { try LabeledMTU.parseList("aws-tgv") }
        do {
            _ = try LabeledMTU.parseList("aws-tgv")
        } catch {
            #expect(error.description.contains("did you mean 'aws-tgw'"))
        }
    }

    @Test func impossibleQueriesFailClearly() throws {
        #expect(throws: SizeQueryError.self) { try calc("68", "vxlan") }
        #expect(throws: SizeQueryError.self) { try calc("1000", "none", underlay: .ipv6) }
        #expect(throws: SizeQueryError.self) { try calc("1500", "none", tcpOptions: 13) }
        #expect(throws: SizeQueryError.self) { try calc("1500", "none", packet: .tcpPayload(-1)) }
        #expect(throws: SizeQueryError.self) { try calc("1500", "none", packet: .innerPacket(70000)) }
    }

    @Test func smallInnerMTUWarnsForIPv6() throws {
        let result = try calc("1300", "vxlan", inner: .ipv6)
        #expect(result.innerMTU == 1250)
        #expect(result.notes.contains { $0.contains("below the IPv6 minimum") })
    }
}

@Suite struct AddressTests {
    @Test func parsesAndMatches() throws {
        let net = try #require(IPNetwork("10.10.0.0/16"))
        #expect(net.contains(try #require(IPAddress("10.10.20.20"))))
        #expect(!net.contains(try #require(IPAddress("172.20.20.2"))))
        let v6 = try #require(IPNetwork("fd00:10::1/64"))
        #expect(v6.contains(try #require(IPAddress("fd00:10::abcd"))))
        #expect(!v6.contains(try #require(IPAddress("fd00:11::1"))))
        #expect(IPNetwork("0.0.0.0/0")!.contains(IPAddress("8.8.8.8")!))
        // Written as inet_ntop writes it (RFC 5952 compression; IPv4-mapped tails dotted): AddressTextTests holds the
        // rest of the two to the C library on random addresses.
        #expect(IPAddress("::1")?.description == "::1")
        #expect(IPAddress("0:0:0:0:0:ffff:a00:1")?.description == "::ffff:10.0.0.1")
        #expect(IPNetwork("fd00:10:0:0::1/64")?.masked.description == "fd00:10::/64")
    }

    @Test(
        "rejects",
        arguments: [
            "10.0.0", "10.0.0.256", "1::2::3", "fe80::g", "10.0.0.1/33", "::/129", "", "1.2.3.4.5", "+1.2.3.4",
            "010.0.0.1", "fe80::1%eth0", "::+1", "1.2.3.4::",
        ])
    func rejects(text: String) {
        #expect(IPNetwork(text) == nil)
    }
}
