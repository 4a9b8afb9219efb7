import Foundation
import MTUCore

/// `kube diagnose`: runs `mtu-doctor diagnose` where the problem is — in an ephemeral container inside a pod (its
/// network namespace, its routes, its MTU), or in a host-network pod on a node (the underlay view) — and streams the
/// report back.
///
/// The request shapes follow kubectl's own `kubectl debug` (kubernetes/kubectl pkg/cmd/debug/debug.go):
/// an ephemeral container is added with a strategic merge patch on the pod's `ephemeralcontainers` subresource
/// (`debugByEphemeralContainer`; a 404 there, for a pod that exists, means the cluster does not serve the
/// subresource: ephemeral containers are GA and on by default from Kubernetes 1.25, beta from 1.23); the wait reads
/// `status.ephemeralContainerStatuses` until the container runs or ends (`waitForContainer`); a node is debugged
/// from a pod created with `nodeName`, `restartPolicy: Never` and a toleration for every taint
/// (`generateNodeDebugPod`), here with `hostNetwork: true`. Ephemeral containers cannot be removed from a pod
/// (the API has no way): the finished one stays listed, terminated. The node pod is deleted at the end.
public struct RemoteDiagnosis: Sendable {
    public enum Place: Sendable, Equatable {
        /// An ephemeral container in this pod, optionally sharing the process namespace of one of its containers.
        case pod(namespace: String, name: String, targetContainer: String?)
        /// A host-network pod on this node, created in `namespace`.
        case node(name: String, namespace: String)
    }

    /// Where to run, as the user named it (`--pod NS/NAME` or `--pod NAME`, or `--node NAME`, with an optional
    /// namespace and target container), checked before anything is asked of the API server. Names follow the
    /// DNS-1123 subdomain rule of the Kubernetes API (kubernetes/apimachinery, pkg/util/validation/validation.go,
    /// `IsDNS1123Subdomain`: lower-case alphanumerics, '-' and '.', at most 253 characters).
    public struct PlaceRequest: Sendable, Equatable {
        public var pod: String?
        public var node: String?
        public var namespace: String?
        public var targetContainer: String?

        public init(pod: String?, node: String?, namespace: String?, targetContainer: String?) {
            self.pod = pod
            self.node = node
            self.namespace = namespace
            self.targetContainer = targetContainer
        }

        /// The first thing wrong with the request, in the flags' words, or nil.
        public var problem: String? {
            guard (pod == nil) != (node == nil) else { return "give exactly one of --pod NS/NAME and --node NAME" }
            let name = "[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?"
            for (flag, value, pattern) in [
                ("--pod", pod, "^(\(name)/)?\(name)$"), ("--node", node, "^\(name)$"),
                ("--namespace", namespace, "^\(name)$"), ("--target-container", targetContainer, "^\(name)$"),
            ] {
                guard let value, value.range(of: pattern, options: .regularExpression) == nil else { continue }
                return "\(flag): '\(value)' is not a valid Kubernetes name"
            }
            if targetContainer != nil, node != nil { return "--target-container goes with --pod" }
            if let pod, let namespace, pod.contains("/"), !pod.hasPrefix(namespace + "/") {
                return "--namespace \(namespace) disagrees with --pod \(pod)"
            }
            return nil
        }

        /// The place, a bare pod name and the node pod in `contextNamespace` unless --namespace says otherwise.
        /// Call after `problem` is nil.
        public func place(contextNamespace: String) -> Place {
            if let pod {
                let parts = pod.split(separator: "/").map(String.init)
                return .pod(
                    namespace: parts.count == 2 ? parts[0] : namespace ?? contextNamespace, name: parts.last ?? pod,
                    targetContainer: targetContainer)
            }
            return .node(name: node ?? "", namespace: namespace ?? contextNamespace)
        }
    }

    /// Whether `image` can be an image reference at all (not empty, no white space); the registry judges the rest.
    public static func isImageReference(_ image: String) -> Bool {
        !image.isEmpty && !image.contains(where: \.isWhitespace)
    }

    public var place: Place
    public var image: String
    /// The container's arguments: the entrypoint is mtu-doctor, so `["diagnose", TARGET, …]`.
    public var arguments: [String]
    /// The name of the ephemeral container or the node pod (DNS-1123 label).
    public var name: String
    /// How long the container may take to start (image pull, scheduling).
    public var startTimeoutSeconds: Double = 120
    /// How long its report may take once running.
    public var runTimeoutSeconds: Double = 600

    public init(place: Place, image: String, arguments: [String], name: String? = nil) {
        self.place = place
        self.image = image
        self.arguments = arguments
        self.name = name ?? Self.name(for: place)
    }

    /// `mtu-doctor-` and five random lowercase letters or digits (node pods: `mtu-doctor-NODE-xxxxx`, at most 63).
    static func name(for place: Place) -> String {
        let suffix = String((0..<5).map { _ in "bcdfghjklmnpqrstvwxz2456789".randomElement()! })
        guard case .node(let node, _) = place else { return "mtu-doctor-\(suffix)" }
        let base =
            "mtu-doctor-"
            + String(node.lowercased().map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "-" }.prefix(40))
        return base.trimmingCharacters(in: CharacterSet(charactersIn: "-")) + "-" + suffix
    }

    /// The security context: the image's user with CAP_NET_RAW (the binary's file capability makes it effective,
    /// see scripts/image.sh). On a node the pod runs as root, as `kubectl debug node/…` does, with NET_ADMIN so
    /// `diagnose` can set a learned PMTU aside (`ip route flush cache`) on the host, and SETUID/SETGID because
    /// Debian's tcpdump (`--capture`) changes its user after opening the device and fails without them.
    var securityContext: JSONValue {
        if case .node = place {
            return .object([
                "runAsUser": .number(0), "runAsNonRoot": .bool(false), "allowPrivilegeEscalation": .bool(false),
                "capabilities": .object([
                    "drop": .array([.string("ALL")]),
                    "add": .array(["NET_RAW", "NET_ADMIN", "SETUID", "SETGID"].map(JSONValue.string)),
                ]),
            ])
        }
        return .object([
            "runAsUser": .number(65532), "runAsGroup": .number(65532), "runAsNonRoot": .bool(true),
            "allowPrivilegeEscalation": .bool(false), "readOnlyRootFilesystem": .bool(true),
            "capabilities": .object(["drop": .array([.string("ALL")]), "add": .array([.string("NET_RAW")])]),
        ])
    }

    var container: [String: JSONValue] {
        [
            "name": .string(name), "image": .string(image), "imagePullPolicy": .string("IfNotPresent"),
            "args": .array(arguments.map(JSONValue.string)), "stdin": .bool(false), "tty": .bool(false),
            "terminationMessagePolicy": .string("FallbackToLogsOnError"), "securityContext": securityContext,
        ]
    }

    /// The strategic merge patch for `pods/NAME/ephemeralcontainers` (ephemeralContainers merge by name).
    public var ephemeralContainerPatch: JSONValue {
        var container = self.container
        if case .pod(_, _, let target?) = place { container["targetContainerName"] = .string(target) }
        return .object(["spec": .object(["ephemeralContainers": .array([.object(container)])])])
    }

    /// The host-network pod for `--node`.
    public var nodePod: JSONValue {
        guard case .node(let node, let namespace) = place else { return .null }
        return .object([
            "apiVersion": .string("v1"), "kind": .string("Pod"),
            "metadata": .object([
                "name": .string(name), "namespace": .string(namespace),
                "labels": .object([
                    "app.kubernetes.io/name": .string("mtu-doctor"), "app.kubernetes.io/component": .string("diagnose"),
                ]),
            ]),
            "spec": .object([
                "nodeName": .string(node), "hostNetwork": .bool(true), "dnsPolicy": .string("ClusterFirstWithHostNet"),
                "restartPolicy": .string("Never"), "automountServiceAccountToken": .bool(false),
                "tolerations": .array([.object(["operator": .string("Exists")])]),
                "containers": .array([.object(container)]),
            ]),
        ])
    }

    var podNamespace: String {
        switch place {
        case .pod(let namespace, _, _), .node(_, let namespace): return namespace
        }
    }
    var podName: String {
        if case .pod(_, let name, _) = place { return name }
        return name
    }
    var podPath: String { "/api/v1/namespaces/\(podNamespace)/pods/\(podName)" }
    /// `NS/NAME`, for messages.
    var podLabel: String { "\(podNamespace)/\(podName)" }
}

/// A container's state as the pod status reports it (core/v1 ContainerState).
public enum RemoteContainerState: Sendable, Equatable {
    /// Not in the status yet (the kubelet has not seen it).
    case absent
    case waiting(reason: String, message: String)
    case running
    case terminated(exitCode: Int32, reason: String)

    /// The state of container `name` in a pod object: ephemeral, regular or init container statuses.
    public static func of(_ name: String, in pod: JSONValue) -> RemoteContainerState {
        let statuses = ["ephemeralContainerStatuses", "containerStatuses", "initContainerStatuses"].flatMap {
            pod[path: "status.\($0)"].array
        }
        guard let status = statuses.first(where: { $0["name"].string == name }) else { return .absent }
        let state = status["state"]
        if state["running"] != .null { return .running }
        if state["terminated"] != .null {
            return .terminated(
                exitCode: Int32(clamping: state[path: "terminated.exitCode"].int ?? -1),
                reason: state[path: "terminated.reason"].string ?? "")
        }
        if state["waiting"] != .null {
            return .waiting(
                reason: state[path: "waiting.reason"].string ?? "",
                message: Sanitize.line(state[path: "waiting.message"].string ?? ""))
        }
        return .absent
    }

    /// Waiting reasons the kubelet gives when the image cannot be had (pkg/kubelet/images/types.go).
    static let imageFailures: Set<String> = [
        "ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull", "RegistryUnavailable",
        "SignatureValidationFailed",
    ]
    /// Waiting reasons for a container that cannot be created or started (pkg/kubelet/container/sync_result.go).
    static let startFailures: Set<String> = [
        "CreateContainerConfigError", "CreateContainerError", "RunContainerError", "PreCreateHookError",
        "PreStartHookError",
    ]
}

/// What can go wrong, each as the one line an operator needs.
public enum RemoteDiagnosisError: Error, CustomStringConvertible, Equatable {
    case podNotFound(String)
    case podNotRunning(pod: String, phase: String)
    case nodeNotFound(String)
    case forbidden(verb: String, resource: String, namespace: String?, message: String)
    case unsupported(pod: String, version: String?)
    case imagePull(image: String, reason: String, message: String)
    case cannotStart(reason: String, message: String)
    case unschedulable(pod: String, message: String)
    case startTimeout(seconds: Double, state: String)
    case runTimeout(seconds: Double)
    case killed(exitCode: Int32, reason: String)
    case api(String)

    public var description: String {
        switch self {
        case .podNotFound(let pod): return "pod \(pod) not found"
        case .podNotRunning(let pod, let phase):
            return
                "pod \(pod) is \(phase), not Running: an ephemeral container only starts in a running pod (use --node for its node's view)"
        case .nodeNotFound(let node): return "node \(node) not found"
        case .forbidden(let verb, let resource, let namespace, let message):
            let scope = namespace.map { " in namespace \($0)" } ?? ""
            return
                "RBAC forbids it: `\(verb)` on \(resource)\(scope) is needed (kubectl auth can-i \(verb) \(resource)\(namespace.map { " -n \($0)" } ?? ""))\(message.isEmpty ? "" : ": \(message)")"
        case .unsupported(let pod, let version):
            let running = version.map { "the API server is \($0); " } ?? ""
            return
                "this cluster does not serve ephemeral containers (pods/ephemeralcontainers answered 404 for \(pod), which exists): \(running)they are on by default from Kubernetes 1.23 (GA in 1.25); use --node, or run the image as a pod"
        case .imagePull(let image, let reason, let message):
            return
                "the image \(image) cannot be pulled (\(reason)\(message.isEmpty ? "" : ": \(message)")): push it where the nodes can pull it (scripts/image.sh makes the OCI archive) and pass --image"
        case .cannotStart(let reason, let message):
            return "the container could not start (\(reason)\(message.isEmpty ? "" : ": \(message)"))"
        case .unschedulable(let pod, let message):
            return "pod \(pod) cannot be scheduled on the node\(message.isEmpty ? "" : ": \(message)")"
        case .startTimeout(let seconds, let state):
            return
                "the container did not start within \(KubeAPIError.format(seconds)) s (last state: \(state)); raise --start-timeout or look at `kubectl describe pod`"
        case .killed(let code, let reason):
            return
                "the diagnose container was killed before it finished (\(reason.isEmpty ? "" : "\(reason), ")exit \(code)"
                + (code > 128 ? ", signal \(code - 128)" : "") + "): the report above is incomplete, not a verdict"
        case .runTimeout(let seconds):
            return "no end of the report within \(KubeAPIError.format(seconds)) s; raise --run-timeout"
        case .api(let message): return message
        }
    }
}

extension RemoteDiagnosis {
    /// Runs it: prepares the place, waits for the container, streams its output to `output` as it comes, and
    /// returns the container's exit code (diagnose's own: 0 healthy, 1 a problem found, 2 bad input, 3 cannot measure).
    /// `progress` gets one line per step. A node pod is deleted at the end, also on failure.
    public func run(
        _ client: KubeClient, progress: @Sendable (String) -> Void, output: @escaping @Sendable ([UInt8]) -> Void
    ) async throws(RemoteDiagnosisError) -> Int32 {
        switch place {
        case .pod:
            try await attach(client, progress: progress)
            return try await follow(client, progress: progress, output: output)
        case .node(let node, let namespace):
            try await createNodePod(client, node: node, namespace: namespace, progress: progress)
            do {
                let code = try await follow(client, progress: progress, output: output)
                await deleteNodePod(client, progress: progress)
                return code
            } catch {
                await deleteNodePod(client, progress: progress)
                throw error
            }
        }
    }

    func attach(_ client: KubeClient, progress: @Sendable (String) -> Void) async throws(RemoteDiagnosisError) {
        let pod: JSONValue
        do {
            pod = try await client.get(podPath)
        } catch {
            throw Self.explain(
                error, verb: "get", resource: "pods", namespace: podNamespace, notFound: .podNotFound(podLabel))
        }
        let phase = pod[path: "status.phase"].string ?? "Unknown"
        guard phase == "Running" else { throw .podNotRunning(pod: podLabel, phase: phase) }
        progress("adding ephemeral container \(name) (\(image), NET_RAW) to pod \(podLabel)")
        do {
            _ = try await client.patch(podPath + "/ephemeralcontainers", json: ephemeralContainerPatch)
        } catch {
            if case .notFound = error { throw .unsupported(pod: podLabel, version: await Self.serverVersion(client)) }
            throw Self.explain(
                error, verb: "patch", resource: "pods/ephemeralcontainers", namespace: podNamespace,
                notFound: .podNotFound(podLabel))
        }
    }

    func createNodePod(_ client: KubeClient, node: String, namespace: String, progress: @Sendable (String) -> Void)
        async throws(RemoteDiagnosisError)
    {
        do {
            _ = try await client.get("/api/v1/nodes/\(node)")
        } catch {
            throw Self.explain(error, verb: "get", resource: "nodes", namespace: nil, notFound: .nodeNotFound(node))
        }
        progress(
            "creating pod \(namespace)/\(name) (\(image), host network, root with NET_RAW, NET_ADMIN, SETUID, SETGID) on node \(node)"
        )
        do {
            _ = try await client.create("/api/v1/namespaces/\(namespace)/pods", json: nodePod)
        } catch {
            throw Self.explain(
                error, verb: "create", resource: "pods", namespace: namespace,
                notFound: .api("namespace \(namespace) not found"))
        }
    }

    func deleteNodePod(_ client: KubeClient, progress: @Sendable (String) -> Void) async {
        do {
            _ = try await client.delete(podPath)
            progress("deleted pod \(podLabel)")
        } catch {
            progress("could not delete pod \(podLabel) (\(error)): `kubectl delete pod -n \(podNamespace) \(podName)`")
        }
    }

    /// Waits until the container runs (or has ended), follows its log, then reads its exit code.
    func follow(
        _ client: KubeClient, progress: @Sendable (String) -> Void, output: @escaping @Sendable ([UInt8]) -> Void
    ) async throws(RemoteDiagnosisError) -> Int32 {
        try await waitUntilStarted(client, progress: progress)
        let logPath = podPath + "/log?container=\(name)&follow=true"
        do {
            try await client.stream(logPath, seconds: runTimeoutSeconds, output)
        } catch {
            if case .timeout = error { throw .runTimeout(seconds: runTimeoutSeconds) }
            throw Self.explain(
                error, verb: "get", resource: "pods/log", namespace: podNamespace, notFound: .podNotFound(podLabel))
        }
        // The log ends when the container does; the status may lag a moment behind.
        let deadline = Date().addingTimeInterval(30)
        while true {
            let pod: JSONValue
            do { pod = try await client.get(podPath) } catch {
                throw Self.explain(
                    error, verb: "get", resource: "pods", namespace: podNamespace, notFound: .podNotFound(podLabel))
            }
            if case .terminated(let code, let reason) = RemoteContainerState.of(name, in: pod) {
                // diagnose exits 0, 1, 2, 3 or 77; above 128 it was killed (a signal, OOMKilled): no verdict.
                guard code < 128 || code == 255 else { throw .killed(exitCode: code, reason: reason) }
                return code
            }
            guard Date() < deadline else {
                throw .api("the log of \(name) ended but the pod status never showed it terminated")
            }
            try? await Task.sleep(for: .milliseconds(500))
        }
    }

    func waitUntilStarted(_ client: KubeClient, progress: @Sendable (String) -> Void) async throws(RemoteDiagnosisError)
    {
        let deadline = Date().addingTimeInterval(startTimeoutSeconds)
        var last = RemoteContainerState.absent
        var said = ""
        while true {
            let pod: JSONValue
            do { pod = try await client.get(podPath) } catch {
                throw Self.explain(
                    error, verb: "get", resource: "pods", namespace: podNamespace, notFound: .podNotFound(podLabel))
            }
            last = RemoteContainerState.of(name, in: pod)
            switch last {
            case .running, .terminated: return
            case .waiting(let reason, let message):
                if RemoteContainerState.imageFailures.contains(reason) {
                    throw .imagePull(image: image, reason: reason, message: message)
                }
                if RemoteContainerState.startFailures.contains(reason) {
                    throw .cannotStart(reason: reason, message: message)
                }
                if reason != said {
                    progress("waiting: \(reason)\(message.isEmpty ? "" : " (\(message))")")
                    said = reason
                }
            case .absent:
                // A node pod the scheduler cannot place (the node is cordoned, out of pods, gone) never gets statuses.
                if let condition = pod[path: "status.conditions"].array.first(where: {
                    $0["type"].string == "PodScheduled"
                }),
                    condition["status"].string == "False", condition["reason"].string == "Unschedulable"
                {
                    throw .unschedulable(pod: podLabel, message: Sanitize.line(condition["message"].string ?? ""))
                }
            }
            guard Date() < deadline else {
                throw .startTimeout(seconds: startTimeoutSeconds, state: Self.describe(last))
            }
            try? await Task.sleep(for: .milliseconds(500))
        }
    }

    static func describe(_ state: RemoteContainerState) -> String {
        switch state {
        case .absent: return "not in the pod's status yet"
        case .waiting(let reason, let message): return "waiting, \(reason)\(message.isEmpty ? "" : ": \(message)")"
        case .running: return "running"
        case .terminated(let code, let reason): return "terminated, \(reason) \(code)"
        }
    }

    /// The API server's version (`/version` gitVersion), when it answers.
    static func serverVersion(_ client: KubeClient) async -> String? {
        (try? await client.get("/version"))?["gitVersion"].string.map { Sanitize.line($0) }
    }

    static func explain(
        _ error: KubeAPIError, verb: String, resource: String, namespace: String?, notFound: RemoteDiagnosisError
    ) -> RemoteDiagnosisError {
        switch error {
        case .forbidden(_, let message):
            return .forbidden(verb: verb, resource: resource, namespace: namespace, message: message)
        case .notFound: return notFound
        default: return .api(error.description)
        }
    }
}
