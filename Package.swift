// swift-tools-version:6.0
import PackageDescription

let package = Package(
    // Linux only: raw and error-queue sockets, network namespaces, /proc. No other platform is declared.
    name: "mtu-doctor",
    products: [
        .executable(name: "mtu-doctor", targets: ["mtu-doctor"]),
        .library(name: "MTUCore", targets: ["MTUCore"]),
        .library(name: "MTUCapture", targets: ["MTUCapture"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // The Kubernetes API client (kube audit, discovery, apply): HTTPS with client certificates.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        // The vocabulary every report shares: severities, verdicts, directions, findings and fixes, addresses. No
        // dependency.
        .target(name: "MTUModel"),
        // Pure model and analysis, one folder per domain: sizes, mesh, Kubernetes (CNI), check, diagnosis.
        // Re-exports MTUModel.
        .target(name: "MTUCore", dependencies: ["MTUModel"]),
        // Topology files (YAML) → MTUCore.Topology, with file:line:column diagnostics.
        .target(name: "MTUConfig", dependencies: ["MTUCore", .product(name: "Yams", package: "Yams")]),
        // Live probing: DF probes from raw and UDP sockets, size search, wall location, the reverse responder.
        .target(name: "MTUProbe", dependencies: ["MTUCore", "MTUSystem", "CLinux"]),
        // The one layer over the C library's system calls (errno kept, EINTR retried): descriptors, poll, fcntl, open,
        // read here; MTUProbe extends it with the socket calls.
        .target(name: "MTUSystem"),
        // capget/capset (no glibc wrappers): raising the image's permitted-only CAP_NET_RAW.
        .systemLibrary(name: "CLinux", path: "Sources/CLinux"),
        // Capture reading and dissection, pure over bytes.
        .target(name: "MTUCapture", dependencies: ["MTUCore", "MTUSystem", "CZlib"]),
        // zlib, for gzip-compressed captures (Debian: zlib1g-dev).
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        // Network-namespace labs that reproduce the incidents, with ground truth.
        .target(name: "MTULab", dependencies: ["MTUCore"]),
        // diagnose: runs the battery (MTUProbe), a capture (MTUCapture), a topology comparison (MTUConfig) → MTUCore's Diagnoser.
        .target(name: "MTUDiagnose", dependencies: ["MTUCore", "MTUSystem", "MTUProbe", "MTUCapture", "MTUConfig"]),
        // The agent (DaemonSet process): periodic probing of peers, results over HTTP (JSON, Prometheus), mesh gathering.
        .target(
            name: "MTUAgent",
            dependencies: [
                "MTUCore", "MTUSystem", "MTUProbe", "MTUReport",
                .product(name: "Prometheus", package: "swift-prometheus"),
                // The HTTP API on NIO's HTTP/1 codec; agents read with AsyncHTTPClient (both already built for MTUKube).
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]),
        // Kubernetes: kubeconfig and credentials, the API client (AsyncHTTPClient over TLS), CNI readers, the audit.
        .target(
            name: "MTUKube",
            dependencies: [
                "MTUCore", "MTUConfig", "MTUSystem", .product(name: "Yams", package: "Yams"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]),
        // Renderers: text and versioned JSON.
        .target(name: "MTUReport", dependencies: ["MTUModel"]),
        .executableTarget(
            name: "mtu-doctor",
            dependencies: [
                "MTUCore", "MTUConfig", "MTUReport", "MTUProbe", "MTULab", "MTUCapture", "MTUDiagnose", "MTUAgent",
                "MTUKube", "MTUSystem",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Shared test helpers: the repository root, the built binary, a deterministic generator.
        .target(name: "MTUTestSupport", path: "Sources/MTUTestSupport"),
        .testTarget(name: "MTUCoreTests", dependencies: ["MTUCore"]),
        .testTarget(name: "MTUConfigTests", dependencies: ["MTUConfig", "MTUCore", "MTUReport", "MTUTestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["MTUCore", "MTUTestSupport"]),
        .testTarget(
            name: "MTUProbeTests",
            dependencies: [
                "MTUCore", "MTUSystem", "MTUProbe", "MTULab", "MTUAgent", "MTUTestSupport",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]),
        .testTarget(
            name: "MTUKubeTests", dependencies: ["MTUKube", "MTUCore", "MTUTestSupport"], exclude: ["Fixtures"]),
        .testTarget(
            name: "MTUCaptureTests", dependencies: ["MTUCapture", "MTUCore", "MTUTestSupport"], exclude: ["Fixtures"]),
    ],
    swiftLanguageModes: [.v6]
)

for target in package.targets where target.type != .system {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    target.swiftSettings = settings
}
