// swift-tools-version:6.0
// libFuzzer harness for the capture readers and dissectors. Build and run with scripts/fuzz-capture.sh:
//   swift build -c debug -Xswiftc -sanitize=fuzzer,address
import PackageDescription

let package = Package(
    name: "mtu-doctor-fuzz",
    dependencies: [.package(name: "mtu-doctor", path: "..")],
    targets: [
        .executableTarget(
            name: "CaptureFuzzer",
            dependencies: [.product(name: "MTUCapture", package: "mtu-doctor")],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        ),
    ]
)
