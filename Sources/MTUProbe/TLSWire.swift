/// Just enough TLS to see how far a server's first flight gets: a TLS 1.2 ClientHello and a record reader.
///
/// Offering only TLS 1.2 keeps the server's Certificate message in the clear, so its size and completion
/// (ServerHelloDone) can be observed without any cryptography.
public enum TLSWire {
    /// A TLS 1.2 ClientHello record with common ECDHE/RSA suites, SNI when `serverName` is a host name.
    public static func clientHello(serverName: String?, random: [UInt8]) -> [UInt8] {
        func u16(_ value: Int) -> [UInt8] { [UInt8(value >> 8 & 0xff), UInt8(value & 0xff)] }
        func u24(_ value: Int) -> [UInt8] {
            [UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
        }
        let suites: [UInt16] = [
            0xc02f, 0xc030, 0xc02b, 0xc02c, 0xcca8, 0xcca9, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035,
        ]
        var extensions: [UInt8] = []
        if let serverName, !serverName.isEmpty, !serverName.allSatisfy({ $0.isNumber || $0 == "." }) {
            let name = Array(serverName.utf8)
            let entry = [0] + u16(name.count) + name
            extensions += u16(0x0000) + u16(entry.count + 2) + u16(entry.count) + entry
        }
        let groups: [UInt16] = [0x001d, 0x0017, 0x0018]
        extensions += u16(0x000a) + u16(groups.count * 2 + 2) + u16(groups.count * 2) + groups.flatMap { u16(Int($0)) }
        extensions += u16(0x000b) + u16(2) + [1, 0]
        let signatures: [UInt16] = [0x0401, 0x0501, 0x0601, 0x0403, 0x0503, 0x0804, 0x0805, 0x0806, 0x0201]
        extensions +=
            u16(0x000d) + u16(signatures.count * 2 + 2) + u16(signatures.count * 2)
            + signatures.flatMap { u16(Int($0)) }
        extensions += u16(0x0017) + u16(0)  // extended_master_secret
        extensions += u16(0xff01) + u16(1) + [0]  // renegotiation_info
        var body: [UInt8] = [0x03, 0x03] + random.prefix(32) + [UInt8](repeating: 0, count: max(0, 32 - random.count))
        body += [0]  // no session id
        body += u16(suites.count * 2) + suites.flatMap { u16(Int($0)) }
        body += [1, 0]  // null compression
        body += u16(extensions.count) + extensions
        let handshake = [1] + u24(body.count) + body
        return [0x16, 0x03, 0x01] + u16(handshake.count) + handshake
    }

    /// Reads the server's records as they arrive and reports how far its first flight got.
    public struct FlightReader: Sendable {
        public private(set) var bytesReceived = 0
        public private(set) var serverHello = false
        /// The Certificate message's length (the chain as sent), once it has fully arrived.
        public private(set) var certificateBytes: Int?
        /// The Certificate message's announced length, as soon as its header arrived.
        public private(set) var certificateAnnounced: Int?
        public private(set) var serverHelloDone = false
        public private(set) var alert: (level: UInt8, description: UInt8)?
        /// Not TLS at all (e.g. an HTTP answer on the port).
        public private(set) var notTLS = false
        var records: [UInt8] = []
        var handshake: [UInt8] = []

        public init() {}

        public mutating func consume(_ bytes: [UInt8]) {
            bytesReceived += bytes.count
            records += bytes
            while records.count >= 5 {
                let type = records[0]
                guard (20...24).contains(type), records[1] == 3 else {
                    notTLS = true
                    records.removeAll()
                    return
                }
                let length = Int(records[3]) << 8 | Int(records[4])
                guard records.count >= 5 + length else { break }
                let body = Array(records[5..<(5 + length)])
                records.removeFirst(5 + length)
                switch type {
                case 22:
                    handshake += body
                    parseHandshake()
                case 21 where body.count >= 2: alert = (body[0], body[1])
                default: break
                }
            }
            // A Certificate message's header can arrive before its body: note the announced size.
            if certificateAnnounced == nil, handshake.count >= 4, handshake[0] == 11 {
                certificateAnnounced = Int(handshake[1]) << 16 | Int(handshake[2]) << 8 | Int(handshake[3])
            }
        }

        mutating func parseHandshake() {
            while handshake.count >= 4 {
                let type = handshake[0]
                let length = Int(handshake[1]) << 16 | Int(handshake[2]) << 8 | Int(handshake[3])
                if type == 11, certificateAnnounced == nil { certificateAnnounced = length }
                guard handshake.count >= 4 + length else { return }
                switch type {
                case 2: serverHello = true
                case 11: certificateBytes = length
                case 14: serverHelloDone = true
                default: break
                }
                handshake.removeFirst(4 + length)
            }
        }

        /// The first flight is complete: ServerHelloDone arrived.
        public var complete: Bool { serverHelloDone }
    }
}
