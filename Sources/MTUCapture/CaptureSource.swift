import CZlib

#if canImport(Glibc)
import Glibc
import MTUSystem
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

    /// Decompressed bytes read so far, to catch a decompression bomb.
    var inflated = 0
    /// A gzip capture may expand this much at most past its first 64 MiB: real captures compress 2- to 30-fold
    /// (timestamps and payloads differ packet to packet); a bomb of repeated bytes, 200- to 1000-fold.
    public static let maxExpansion = 150
    /// Seconds a FIFO may stay silent before its first byte.
    public static let fifoOpenSeconds = 30

    public init(path: String, fifoOpenSeconds: Int = CaptureFile.fifoOpenSeconds) throws(CaptureReader.FormatError) {
        self.path = path
        var descriptor: Int32 = 0
        if path != "-" {
            var status = stat()
            guard stat(path, &status) == 0 else {
                throw CaptureReader.FormatError(description: "cannot open the file (\(Self.errnoText()))")
            }
            switch status.st_mode & S_IFMT {
            case S_IFREG: descriptor = (try? Syscall.open(path, flags: O_RDONLY)) ?? -1
            case S_IFIFO:
                // A named pipe (or <(tcpdump -w -)): opening must not hang on a pipe no one writes to.
                descriptor = (try? Syscall.open(path, flags: O_RDONLY | O_NONBLOCK)) ?? -1
                if descriptor >= 0 {
                    guard Syscall.wait(descriptor, for: POLLIN, milliseconds: Int32(fifoOpenSeconds * 1000)) else {
                        Syscall.close(descriptor)
                        throw CaptureReader.FormatError(
                            description: "a named pipe that sent nothing within \(fifoOpenSeconds) s")
                    }
                    Syscall.setNonBlocking(descriptor, false)
                }
            case S_IFDIR: throw CaptureReader.FormatError(description: "a directory, not a capture file")
            default:
                throw CaptureReader.FormatError(
                    description: "a device or socket, not a capture file (to read a stream, give - for standard input)")
            }
            guard descriptor >= 0 else {
                throw CaptureReader.FormatError(description: "cannot open the file (\(Self.errnoText()))")
            }
        }
        let handle: gzFile? = gzdopen(descriptor, "rb")
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
            throw CaptureReader.FormatError(
                description: code == Z_ERRNO ? "read error (\(Self.errnoText()))" : "gzip: \(message)")
        }
        inflated += Int(count)
        if inflated > 64 << 20, gzdirect(file) == 0 {
            let compressed = Int(gzoffset(file))
            if compressed > 0, inflated / compressed > Self.maxExpansion {
                throw CaptureReader.FormatError(
                    description:
                        "gzip data expands more than \(Self.maxExpansion)-fold (\(inflated >> 20) MiB from \(compressed >> 10) KiB): refused as a decompression bomb",
                    refusal: true)
            }
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
