import Foundation
import MTUCore
import MTUProbe
import MTUTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The one address type (MTUModel's `IPAddress`, which the probers use as `ProbeAddress`) reads and writes text as
/// the C library does: random addresses printed by inet_ntop(3) read back to the same bytes and print the same text,
/// and random near-addresses are accepted exactly when inet_pton(3) accepts them. Seed: MTUD_ADDRESS_SEED.
@Suite("addresses: text as inet_pton and inet_ntop")
struct AddressTextTests {
    static let seed =
        ProcessInfo.processInfo.environment["MTUD_ADDRESS_SEED"].flatMap(UInt64.init)
        ?? UInt64.random(in: 1...UInt64.max)

    static func ntop(_ bytes: [UInt8]) -> String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        bytes.withUnsafeBytes { raw in
            _ = inet_ntop(bytes.count == 4 ? AF_INET : AF_INET6, raw.baseAddress, &buffer, socklen_t(buffer.count))
        }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func pton(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    /// Addresses shaped to reach every branch: zero runs of every length and place, IPv4-mapped and -compatible.
    static func randomBytes(_ generator: inout SplitMix64) -> [UInt8] {
        if Bool.random(using: &generator) && Bool.random(using: &generator) {
            return (0..<4).map { _ in UInt8.random(in: 0...255, using: &generator) }
        }
        var groups = (0..<8).map { _ -> UInt16 in
            switch Int.random(in: 0..<4, using: &generator) {
            case 0: return 0
            case 1: return UInt16.random(in: 0...0xf, using: &generator)
            default: return UInt16.random(in: 0...0xffff, using: &generator)
            }
        }
        let start = Int.random(in: 0..<8, using: &generator)
        for index in start..<min(8, start + Int.random(in: 0...8, using: &generator)) { groups[index] = 0 }
        switch Int.random(in: 0..<6, using: &generator) {
        case 0: groups.replaceSubrange(0..<6, with: [0, 0, 0, 0, 0, 0xffff])
        case 1: groups.replaceSubrange(0..<6, with: [0, 0, 0, 0, 0, 0])
        default: break
        }
        return groups.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xff)] }
    }

    @Test func printedAsInetNtopAndReadBack() throws {
        var generator = SplitMix64(seed: Self.seed)
        print("address text seed \(Self.seed) (MTUD_ADDRESS_SEED)")
        for _ in 0..<20_000 {
            let bytes = Self.randomBytes(&generator)
            let text = Self.ntop(bytes)
            let address = try #require(IPAddress(text), "\(text) not read (seed \(Self.seed))")
            #expect(address.bytes == bytes, "\(text) (seed \(Self.seed))")
            #expect(address.description == text, "\(bytes) (seed \(Self.seed))")
            #expect(address == (bytes.count == 4 ? .v4(address.ipv4Value) : .v6(bytes)))
        }
        for text in ["::", "::1", "::ffff:10.0.0.1", "::1.2.3.4", "fe80::1", "2001:db8::", "1:0:0:1::", "0.0.0.0"] {
            #expect(IPAddress(text)?.description == Self.ntop(Self.pton(text) ?? []), "\(text)")
        }
    }

    @Test func acceptedExactlyWhenInetPtonAccepts() {
        var generator = SplitMix64(seed: Self.seed ^ 0x5eed)
        let alphabet = Array("0123456789abcdefABCDEF:.%+-/ g")
        var checked = 0
        for _ in 0..<20_000 {
            var text = Array(Self.ntop(Self.randomBytes(&generator)))
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                let index = Int.random(in: 0...text.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0 where index < text.count: text.remove(at: index)
                case 1 where index < text.count: text[index] = alphabet.randomElement(using: &generator)!
                default: text.insert(alphabet.randomElement(using: &generator)!, at: index)
                }
            }
            let string = String(text)
            let expected = Self.pton(string)
            #expect(IPAddress(string)?.bytes == expected, "'\(string)' (seed \(Self.seed))")
            if expected != nil { checked += 1 }
        }
        #expect(checked > 1000, "enough mutations stay valid to compare both ways (\(checked))")
    }
}
