import CZlib
#if canImport(Glibc)
import Glibc
#endif

/// Where a ``CaptureReader`` gets its bytes from, a chunk at a time.
public protocol CaptureSource {
    /// Fills `buffer` from its start with up to `buffer.count` bytes; returns how many, 0 at the end.
    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(CaptureReader.FormatError) -> Int
}

/// A capture file, plain or gzip-compressed (zlib reads either, so the format is found by content, not by name),
/// or standard input when the path is `-`. Reads go straight into the reader's window: memory stays flat
/// whatever the file's size.
public final class CaptureFile: CaptureSource {
    let file: gzFile
    public let path: String

    public init(path: String) throws(CaptureReader.FormatError) {
        self.path = path
        let handle: gzFile? = path == "-" ? gzdopen(0, "rb") : gzopen(path, "rb")
        guard let handle else {
            throw CaptureReader.FormatError(description: "cannot open the file (\(Self.errnoText()))")
        }
        file = handle
        gzbuffer(file, 1 << 20)
    }

    deinit { gzclose(file) }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(CaptureReader.FormatError) -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        let count = gzread(file, base, UInt32(Swift.min(buffer.count, Int(Int32.max))))
        if count < 0 {
            var code: Int32 = 0
            let message = gzerror(file, &code).map { String(cString: $0) } ?? "read error"
            throw CaptureReader.FormatError(description: code == Z_ERRNO ? "read error (\(Self.errnoText()))" : "gzip: \(message)")
        }
        return Int(count)
    }

    static func errnoText() -> String {
        #if canImport(Glibc)
        return String(cString: strerror(errno))
        #else
        return "errno \(errno)"
        #endif
    }
}
