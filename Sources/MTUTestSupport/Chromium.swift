import Foundation

/// Renders an HTML report in headless Chromium (Debian's `chromium`): the DOM after load, the console messages,
/// and a screenshot. Used by the report tests; never fetches anything (the reports are self-contained files).
package enum Chromium {
    package static let executable: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    package struct Rendering {
        package var dom: String
        /// Every console message and uncaught error (Chromium logs them all at INFO; the reports have no scripts, so
        /// any message at all is unexpected).
        package var consoleErrors: [String]
        package var screenshot: Data
    }

    package struct Failure: Error, CustomStringConvertible {
        package var description: String
    }

    /// Loads `file` with the network disabled; `width`×`height` is the screenshot's window.
    package static func render(_ file: String, screenshot: String, width: Int = 1280, height: Int = 2000) throws
        -> Rendering
    {
        guard let executable else { throw Failure(description: "chromium is not installed (apt-get install chromium)") }
        // A profile of its own per call: two Chromiums sharing one hand their work to each other and print nothing.
        let profile = "\(NSTemporaryDirectory())mtud-chromium-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: profile) }
        let common = [
            "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
            "--disable-extensions",
            "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>", "--enable-logging=stderr", "--v=0",
            "--user-data-dir=\(profile)",
        ]
        let url = URL(fileURLWithPath: file).absoluteString
        let dump = try run(executable, common + ["--dump-dom", url])
        let shot = try run(
            executable, common + ["--window-size=\(width),\(height)", "--screenshot=\(screenshot)", url])
        let console = (dump.stderr + shot.stderr).split(separator: "\n").filter { line in
            line.contains(":CONSOLE") || line.contains("Uncaught")
        }.map(String.init)
        guard let image = FileManager.default.contents(atPath: screenshot) else {
            throw Failure(description: "chromium wrote no screenshot: \(shot.stderr.suffix(400))")
        }
        return Rendering(dom: dump.stdout, consoleErrors: console, screenshot: image)
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> (stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes while it runs (a full pipe would block it).
        nonisolated(unsafe) var errorData = Data()
        let reader = Thread { errorData = err.fileHandleForReading.readDataToEndOfFile() }
        reader.start()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !reader.isFinished { usleep(10_000) }
        return (String(decoding: output, as: UTF8.self), String(decoding: errorData, as: UTF8.self))
    }
}
