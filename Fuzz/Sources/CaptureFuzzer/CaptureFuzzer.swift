import MTUCapture

/// libFuzzer's entry point: every input is read as a capture (pcap or pcapng, in memory and through a small
/// streaming window) and every packet dissected and analysed. Anything but a clean return is a bug.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard var reader = try? CaptureReader(bytes: bytes) else { return 0 }
    var analyzer = CaptureAnalyzer(underlayMTU: 1500)
    analyzer.add(&reader, name: "input")
    _ = analyzer.report()
    if var streamed = try? CaptureReader(source: MemorySource(bytes: bytes), windowSize: 64) {
        while let packet = streamed.next() { _ = Dissector.dissect(streamed.bytes, packet) }
    }
    return 0
}

struct MemorySource: CaptureSource {
    var bytes: [UInt8]
    var at = 0
    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(CaptureReader.FormatError) -> Int {
        let count = Swift.min(buffer.count, bytes.count - at, 29)
        for i in 0..<count { buffer[i] = bytes[at + i] }
        at += count
        return count
    }
}

@_silgen_name("LLVMFuzzerRunDriver")
func runDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// SwiftPM links an executable's entry point under this name; hand control to libFuzzer's driver.
@_cdecl("CaptureFuzzer_main")
func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return runDriver(&count, &arguments) { data, size in fuzz(data, size) }
}
