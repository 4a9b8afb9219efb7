import ArgumentParser
import MTUKube

/// `kube diagnose`: where to run and with which image, turned into MTUKube's `RemoteDiagnosis`.
struct RemoteDiagnosisArguments: ParsableArguments {
    @Option(help: "NAMESPACE/NAME (or NAME in the context's namespace): diagnose from inside this pod.")
    var pod: String?

    @Option(help: "Diagnose from this node's host network.")
    var node: String?

    @Option(help: "Container in the pod whose process namespace the ephemeral container joins (optional).")
    var targetContainer: String?

    @Option(help: "Namespace of --pod NAME, or for the --node pod (default: the context's).")
    var namespace: String?

    @Option(help: "Image with mtu-doctor as its entry point.")
    var image = "mtu-doctor:\(BuildInfo.version)"

    @Option(help: "Seconds the container may take to start (image pull, scheduling).")
    var startTimeout: Double = 120

    @Option(help: "Seconds the report may take once the container runs.")
    var runTimeout: Double = 600

    var request: RemoteDiagnosis.PlaceRequest {
        .init(pod: pod, node: node, namespace: namespace, targetContainer: targetContainer)
    }

    func validate() throws {
        if let problem = request.problem { throw ValidationError(problem) }
        guard (1...3600).contains(startTimeout) else {
            throw ValidationError("--start-timeout must be 1–3600 s, got \(startTimeout)")
        }
        guard (1...86_400).contains(runTimeout) else {
            throw ValidationError("--run-timeout must be 1–86400 s, got \(runTimeout)")
        }
        guard RemoteDiagnosis.isImageReference(image) else {
            throw ValidationError("--image: '\(image)' is not an image reference")
        }
    }

    /// The request for `diagnose ARGUMENTS…`, the bare names resolved in `contextNamespace`.
    func remote(arguments: [String], contextNamespace: String) -> RemoteDiagnosis {
        var remote = RemoteDiagnosis(
            place: request.place(contextNamespace: contextNamespace), image: image, arguments: arguments)
        remote.startTimeoutSeconds = startTimeout
        remote.runTimeoutSeconds = runTimeout
        return remote
    }
}
